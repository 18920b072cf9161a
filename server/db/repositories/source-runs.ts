// Pull-source run history: one row per run (trigger, window, status, counts) and the rows it rejected;
// plus what the per-source metrics read off the sources table.
import { sql } from 'kysely';
import type { Executor } from './executor.js';
import type { SourceRunsTable } from '../schema.js';

export interface RunRow {
  id: string;
  source_id: string;
  trigger: SourceRunsTable['trigger'];
  window_from: Date | null;
  window_to: Date | null;
  status: 'running' | 'ok' | 'failed';
  error: string | null;
  stats: Record<string, unknown> | null;
  started_at: Date;
  finished_at: Date | null;
}

export interface RejectionRow {
  position: number;
  at: string;
  reason: string;
  raw: string | null;
}

const RUN_COLUMNS = ['id', 'source_id', 'trigger', 'window_from', 'window_to', 'status', 'error', 'stats', 'started_at', 'finished_at'] as const;

/** A run left `running` by a process that stopped mid-run (its lease has expired, so a new run could start). */
export async function failInterruptedRuns(db: Executor, sourceId: string): Promise<void> {
  await db
    .updateTable('source_runs')
    .set({ status: 'failed', error: 'interrupted: the process running it stopped', finished_at: new Date() })
    .where('source_id', '=', sourceId)
    .where('status', '=', 'running')
    .execute();
}

export async function insertRun(db: Executor, run: Pick<RunRow, 'source_id' | 'trigger' | 'window_from' | 'window_to'>): Promise<string> {
  return (await db.insertInto('source_runs').values(run).returning('id').executeTakeFirstOrThrow()).id;
}

export async function saveRejections(db: Executor, runId: string, rows: RejectionRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('source_run_rejections')
    .values(rows.map((r) => ({ run_id: runId, ...r })))
    .execute();
}

export async function finishRunRow(db: Executor, runId: string, status: 'ok' | 'failed', error: string | null, stats: Record<string, unknown>): Promise<void> {
  await db.updateTable('source_runs').set({ status, error, stats: JSON.stringify(stats), finished_at: new Date() }).where('id', '=', runId).execute();
}

/** A source's runs, newest first, after the keyset `before` (a run id). */
export async function listRuns(db: Executor, sourceId: string, limit: number, before?: string): Promise<RunRow[]> {
  let query = db.selectFrom('source_runs').select(RUN_COLUMNS).where('source_id', '=', sourceId);
  if (before !== undefined) query = query.where('id', '<', before);
  return (await query.orderBy('id', 'desc').limit(limit).execute()) as RunRow[];
}

export async function findRun(db: Executor, sourceId: string, runId: string): Promise<RunRow | undefined> {
  return (await db.selectFrom('source_runs').select(RUN_COLUMNS).where('source_id', '=', sourceId).where('id', '=', runId).executeTakeFirst()) as RunRow | undefined;
}

export async function listRejections(db: Executor, runId: string, limit: number, after = -1): Promise<RejectionRow[]> {
  return db.selectFrom('source_run_rejections').select(['position', 'at', 'reason', 'raw']).where('run_id', '=', runId).where('position', '>', after).orderBy('position').limit(limit).execute();
}

/** Deletes a source's runs started before `olderThan`, except its newest `keep` (their rejections go with them). */
export async function pruneRuns(db: Executor, sourceId: string, olderThan: Date, keep: number): Promise<void> {
  await sql`
    DELETE FROM source_runs WHERE source_id = ${sourceId} AND started_at < ${olderThan}
      AND id < (SELECT coalesce(min(id), 0) FROM (SELECT id FROM source_runs WHERE source_id = ${sourceId} ORDER BY id DESC LIMIT ${keep}) newest)`.execute(db);
}

/** After a successful run: its time, and the newest start time of a record imported so far. */
export async function recordSuccess(db: Executor, sourceId: string, newestRecordAt: Date | null): Promise<void> {
  await sql`
    UPDATE sources SET last_success_at = now(), newest_record_at = GREATEST(newest_record_at, ${newestRecordAt}::timestamptz)
    WHERE id = ${sourceId}`.execute(db);
}

export interface SourceHealthRow {
  id: string;
  last_success_at: Date | null;
  newest_record_at: Date | null;
}

export async function sourcesHealth(db: Executor): Promise<SourceHealthRow[]> {
  return db.selectFrom('sources').select(['id', 'last_success_at', 'newest_record_at']).execute();
}
