// Use case: readiness — database reachable and migrated, outbox backlog.
import type { Executor } from '../db/repositories/executor.js';
import { backlog } from '../db/repositories/outbox.js';
import { pendingMigrations } from '../db/migrator.js';

export interface Readiness {
  ready: boolean;
  database: 'ok' | 'unreachable';
  migrations: { pending: string[] } | null;
  outbox: Record<string, number> | null;
  search: { engine: 'postgres'; status: 'ok' };
}

export class Health {
  constructor(private readonly db: Executor) {}

  async readiness(): Promise<Readiness> {
    const search = { engine: 'postgres' as const, status: 'ok' as const };
    try {
      const [pending, outbox] = await Promise.all([pendingMigrations(this.db), this.outboxPending()]);
      return { ready: pending.length === 0, database: 'ok', migrations: { pending }, outbox, search };
    } catch {
      return { ready: false, database: 'unreachable', migrations: null, outbox: null, search };
    }
  }

  async outboxPending(): Promise<Record<string, number>> {
    const counts: Record<string, number> = { search: 0, media: 0, crm: 0 };
    for (const row of await backlog(this.db)) counts[row.topic] = row.pending;
    return counts;
  }
}
