// The history of pull-source runs: each run (scheduled, manual or a re-pull) is recorded as it starts,
// the rows it rejected are kept with their reason and raw text, its counts when it ends. Bounded: a
// source keeps its runs of the last RUN_KEEP_DAYS days (and always its newest RUN_KEEP_COUNT), each run at
// most REJECTIONS_PER_RUN rejected rows (the count stays exact).
import { NotFound } from '../domain/errors.js';
import type { Executor } from '../db/repositories/executor.js';
import * as repo from '../db/repositories/source-runs.js';
import { findSource, type SourceRecordValues } from '../db/repositories/sources.js';
import type { RejectedRecord } from '../sources/port.js';

export type RunTrigger = 'schedule' | 'manual' | 'repull';
export interface RunWindow {
  from: Date;
  to: Date;
}
export interface FinishedRun {
  sourceId: string;
  status: 'ok' | 'failed';
  read: number;
  rejected: number;
}

export const RUN_KEEP_DAYS = 30;
export const RUN_KEEP_COUNT = 100;
export const REJECTIONS_PER_RUN = 10_000;
const RAW_CHARS = 4096;

export class SourceRuns {
  private readonly listeners = new Set<(run: FinishedRun) => void>();

  constructor(private readonly db: Executor) {}

  /** Called when a run ends (the metrics count rows read and rejected). */
  onFinished(listener: (run: FinishedRun) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Records a run as started; the caller holds the source's run lease, so a run still `running` was interrupted. */
  async start(sourceId: string, trigger: RunTrigger, window?: RunWindow): Promise<RunLog> {
    await repo.failInterruptedRuns(this.db, sourceId);
    const id = await repo.insertRun(this.db, { source_id: sourceId, trigger, window_from: window?.from ?? null, window_to: window?.to ?? null });
    return new RunLog(this.db, id, sourceId, (run) => this.listeners.forEach((listener) => listener(run)));
  }

  async list(sourceId: string, page: { limit: number; before?: string | undefined }) {
    await this.source(sourceId);
    const rows = await repo.listRuns(this.db, sourceId, page.limit + 1, page.before);
    const items = rows.slice(0, page.limit).map(runView);
    return { items, next_cursor: rows.length > page.limit ? items.at(-1)!.id : null };
  }

  async get(sourceId: string, runId: string) {
    return runView(await this.run(sourceId, runId));
  }

  async rejections(sourceId: string, runId: string, page: { limit: number; after?: number | undefined }) {
    const run = await this.run(sourceId, runId);
    const rows = await repo.listRejections(this.db, run.id, page.limit + 1, page.after);
    const items = rows.slice(0, page.limit);
    return { items, next_cursor: rows.length > page.limit ? String(items.at(-1)!.position) : null };
  }

  /** Per source: when it last succeeded and the newest record imported, for the metrics. */
  health() {
    return repo.sourcesHealth(this.db);
  }

  private async source(sourceId: string): Promise<void> {
    if (!UUID.test(sourceId) || !(await findSource(this.db, sourceId))) throw new NotFound('source', 'source_not_found');
  }

  private async run(sourceId: string, runId: string): Promise<repo.RunRow> {
    await this.source(sourceId);
    const run = /^\d{1,18}$/.test(runId) ? await repo.findRun(this.db, sourceId, runId) : undefined;
    if (!run) throw new NotFound('source run', 'source_run_not_found');
    return run;
  }
}

/** One run being recorded: its pages' rejections as they come, its counts at the end. */
export class RunLog {
  private rejectionsSaved = 0;
  private newestImported: Date | null = null;

  constructor(
    private readonly db: Executor,
    readonly id: string,
    private readonly sourceId: string,
    private readonly notify: (run: FinishedRun) => void,
  ) {}

  /** A page written: in the page's transaction, so its rejections are kept exactly when its cursor moves. */
  async page(trx: Executor, rejected: RejectedRecord[], outcomes: SourceRecordValues[]): Promise<void> {
    for (const outcome of outcomes) {
      if (outcome.communication_id !== null && outcome.state !== 'skipped' && (!this.newestImported || outcome.started_at > this.newestImported)) this.newestImported = outcome.started_at;
    }
    const room = Math.max(0, REJECTIONS_PER_RUN - this.rejectionsSaved);
    const kept = rejected.slice(0, room).map((r, i) => ({ position: this.rejectionsSaved + i, at: r.at.slice(0, 500), reason: r.reason.slice(0, 2000), raw: r.raw?.slice(0, RAW_CHARS) ?? null }));
    await repo.saveRejections(trx, this.id, kept);
    this.rejectionsSaved += kept.length;
  }

  async finish(stats: { read: number; rejected: number } & Record<string, unknown>, error: string | null): Promise<void> {
    const status = error === null ? 'ok' : 'failed';
    await repo.finishRunRow(this.db, this.id, status, error, stats);
    if (status === 'ok') await repo.recordSuccess(this.db, this.sourceId, this.newestImported);
    await repo.pruneRuns(this.db, this.sourceId, new Date(Date.now() - RUN_KEEP_DAYS * 86_400_000), RUN_KEEP_COUNT);
    this.notify({ sourceId: this.sourceId, status, read: stats.read, rejected: stats.rejected });
  }
}

const UUID = /^[0-9a-f-]{36}$/i;
const count = (stats: Record<string, unknown> | null, key: string) => (typeof stats?.[key] === 'number' ? stats[key] : 0);

function runView(run: repo.RunRow) {
  return {
    id: run.id,
    trigger: run.trigger,
    status: run.status,
    error: run.error,
    window: run.window_from && run.window_to ? { from: run.window_from.toISOString(), to: run.window_to.toISOString() } : null,
    started_at: run.started_at.toISOString(),
    finished_at: run.finished_at?.toISOString() ?? null,
    counts: {
      read: count(run.stats, 'read'),
      imported: count(run.stats, 'created'),
      updated: count(run.stats, 'updated'),
      rejected: count(run.stats, 'rejected'),
      recordings: count(run.stats, 'recordings'),
    },
    stats: run.stats,
  };
}

export type RunView = ReturnType<typeof runView>;
