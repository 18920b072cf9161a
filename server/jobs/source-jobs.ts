// Runs each active pull source on its own cron expression, under a Postgres advisory lock (one runner
// per source across processes), recorded in job_runs as `source:<id>`. Schedules are reloaded when a
// source changes here, and every few minutes to pick up changes made by other processes.
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { Conflict } from '../domain/errors.js';
import type { DatabaseSignals } from '../db/signals.js';
import type { PullSources } from '../services/pull-sources.js';
import type { JobRecorder } from './scheduler.js';

const RELOAD_SCHEDULE = '*/5 * * * *';

export class SourceJobs {
  private readonly tasks = new Map<string, { schedule: string; task: ScheduledTask }>();
  private reloadTask: ScheduledTask | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly sources: PullSources,
    private readonly signals: DatabaseSignals,
    private readonly recorder: JobRecorder,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = this.sources.onChange(() => void this.reload());
    this.reloadTask = cron.schedule(RELOAD_SCHEDULE, () => this.reload(), { name: 'sources:reload', noOverlap: true });
    await this.reload();
  }

  async reload(): Promise<void> {
    if (this.stopped) return;
    let active: Array<{ id: string; schedule: string }>;
    try {
      active = await this.sources.schedules();
    } catch (error) {
      this.logger.warn({ err: error }, 'could not load pull source schedules; keeping the current ones');
      return;
    }
    const wanted = new Map(active.map((s) => [s.id, s.schedule]));
    for (const [id, entry] of this.tasks) {
      if (wanted.get(id) !== entry.schedule) {
        await entry.task.destroy();
        this.tasks.delete(id);
      }
    }
    for (const [id, schedule] of wanted) {
      if (this.tasks.has(id)) continue;
      const task = cron.schedule(schedule, () => this.runOnce(id), { name: `source:${id}`, noOverlap: true });
      this.tasks.set(id, { schedule, task });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    await this.reloadTask?.destroy();
    for (const { task } of this.tasks.values()) await task.destroy();
    this.tasks.clear();
  }

  /** One scheduled run of a source; a run already under way (a manual one) makes it skip, not fail. */
  async runOnce(id: string): Promise<void> {
    const name = `source:${id}`;
    try {
      await this.signals.exclusively(`earshot:job:${name}`, async () => {
        await this.recorder.started(name);
        let error: string | null = null;
        try {
          const stats = await this.sources.run(id, 'schedule');
          this.logger.info({ source: id, ...stats, rejected_samples: undefined }, 'pull source run finished');
        } catch (failure) {
          if (failure instanceof Conflict) {
            this.logger.info({ source: id }, 'pull source is being run right now; this tick skips it');
            await this.recorder.finished(name, null);
            return;
          }
          error = failure instanceof Error ? failure.message : String(failure);
          this.logger.warn({ source: id, err: failure }, 'pull source run failed; its cursor stays, the next run resumes');
        }
        await this.recorder.finished(name, error);
      });
    } catch (failure) {
      this.logger.warn({ source: id, err: failure }, 'pull source run could not start (database unavailable?)');
    }
  }
}
