// Use case: the admin console's overview — ingest rate, search and outbox health, pull sources' last runs,
// background jobs, media store usage, and the migration state, read together.
import { countCreatedWithin } from '../db/repositories/communications.js';
import { deliveryCountsByConnector } from '../db/repositories/crm.js';
import type { Executor } from '../db/repositories/executor.js';
import { migrationStates } from '../db/migrator.js';
import type { Health } from './health.js';
import type { JobRuns } from './job-runs.js';
import type { PullSources } from './pull-sources.js';
import type { Recordings } from './recordings.js';

const HOUR = 3600;
const DAY = 24 * HOUR;

export class ConsoleOverview {
  constructor(
    private readonly db: Executor,
    private readonly health: Health,
    private readonly pullSources: PullSources,
    private readonly jobRuns: JobRuns,
    private readonly recordings: Recordings,
  ) {}

  async read() {
    const [readiness, [lastHour, lastDay], sources, jobs, media, migrations, crm] = await Promise.all([
      this.health.readiness(),
      countCreatedWithin(this.db, [HOUR, DAY]),
      this.pullSources.list(),
      this.jobRuns.list(),
      this.recordings.storeUsage(),
      migrationStates(this.db),
      deliveryCountsByConnector(this.db),
    ]);
    return {
      ingest: { last_hour: lastHour ?? 0, last_day: lastDay ?? 0 },
      readiness,
      sources,
      jobs,
      media,
      crm,
      migrations: migrations.map((m) => ({ name: m.name, applied_at: m.executedAt?.toISOString() ?? null })),
    };
  }
}

export type OverviewReport = Awaited<ReturnType<ConsoleOverview['read']>>;
