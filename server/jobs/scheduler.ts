// Background jobs: each runs on its node-cron schedule (the safety tick) and when woken by a NOTIFY,
// under a Postgres advisory lock so one runner in the installation works at a time. Wake-ups that
// arrive during a run make it run once more instead of being lost. NOTIFY wake-ups are gathered for a
// job's `gatherMs` first: under steady ingest every committed batch NOTIFYs, and one run per window
// drains hundreds of rows for the fixed cost (lock, claim, job record) that one run per commit paid each time.
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { DatabaseSignals } from '../db/signals.js';

export interface Job {
  name: string;
  /** node-cron expression; six fields allow seconds. */
  schedule: string;
  /** NOTIFY channel and the payloads (empty = any) that wake the job, gathered for `gatherMs` (default 0) before a run. */
  wakeOn?: { channel: string; payloads?: string[]; gatherMs?: number };
  /** Does the work; what it returns (counts) goes into the debug log line of the run. */
  run(): Promise<void | Record<string, number>>;
}

export interface JobRecorder {
  started(name: string): Promise<void>;
  finished(name: string, error: string | null): Promise<void>;
}

interface JobState {
  job: Job;
  running: Promise<void> | undefined;
  again: boolean;
  /** A gathered wake-up waiting to trigger the job. */
  gathering: NodeJS.Timeout | undefined;
}

export class Scheduler {
  private readonly jobs = new Map<string, JobState>();
  private readonly tasks: ScheduledTask[] = [];
  private readonly unlistens: Array<() => Promise<void>> = [];
  private stopped = false;

  constructor(
    private readonly signals: DatabaseSignals,
    private readonly recorder: JobRecorder,
    private readonly logger: Logger,
  ) {}

  register(job: Job): void {
    if (this.jobs.has(job.name)) throw new Error(`job ${job.name} registered twice`);
    if (!cron.validate(job.schedule)) throw new Error(`job ${job.name}: invalid schedule ${job.schedule}`);
    this.jobs.set(job.name, { job, running: undefined, again: false, gathering: undefined });
  }

  /** Starts every schedule and listener, and runs each job once to catch up on work left from before. */
  async start(): Promise<void> {
    for (const state of this.jobs.values()) {
      const { job } = state;
      this.tasks.push(cron.schedule(job.schedule, () => this.trigger(job.name), { name: job.name, noOverlap: true }));
      if (job.wakeOn) {
        const { channel, payloads } = job.wakeOn;
        const unlisten = await this.signals.listen(channel, (payload) => {
          if (payload === '' || !payloads || payloads.includes(payload)) this.wake(state);
        });
        this.unlistens.push(unlisten);
      }
      this.trigger(job.name);
    }
  }

  /** Runs the job now (or once more after the current run); resolves when that run is over. */
  trigger(name: string): Promise<void> {
    const state = this.jobs.get(name);
    if (!state) throw new Error(`no job ${name}`);
    if (this.stopped) return Promise.resolve();
    if (state.running) {
      state.again = true;
      return state.running;
    }
    state.running = this.loop(state).finally(() => {
      state.running = undefined;
    });
    return state.running;
  }

  /** A NOTIFY wake-up: triggers the job once its gathering window has passed; wake-ups inside the window join it. */
  private wake(state: JobState): void {
    const gatherMs = state.job.wakeOn?.gatherMs ?? 0;
    if (gatherMs <= 0) {
      void this.trigger(state.job.name);
      return;
    }
    if (state.gathering || this.stopped) return;
    state.gathering = setTimeout(() => {
      state.gathering = undefined;
      void this.trigger(state.job.name);
    }, gatherMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const state of this.jobs.values()) clearTimeout(state.gathering);
    for (const task of this.tasks) await task.destroy();
    for (const unlisten of this.unlistens) await unlisten().catch(() => {});
    await Promise.all([...this.jobs.values()].map((s) => s.running));
  }

  private async loop(state: JobState): Promise<void> {
    do {
      state.again = false;
      await this.runOnce(state.job);
    } while (state.again && !this.stopped);
  }

  private async runOnce(job: Job): Promise<void> {
    try {
      await this.signals.exclusively(`earshot:job:${job.name}`, async () => {
        await this.recorder.started(job.name);
        this.logger.debug({ job: job.name }, 'job run started');
        let error: string | null = null;
        try {
          const summary = await job.run();
          this.logger.debug({ job: job.name, ...summary }, 'job run finished');
        } catch (failure) {
          error = failure instanceof Error ? failure.message : String(failure);
          this.logger.warn({ job: job.name, err: failure }, 'job failed; it runs again on its next tick');
        }
        await this.recorder.finished(job.name, error);
      });
    } catch (failure) {
      this.logger.warn({ job: job.name, err: failure }, 'job could not start (database unavailable?)');
    }
  }
}
