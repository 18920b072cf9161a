// Pull sources: their config and cursor, a run lease, and the per-source log of records seen.
import { sql } from 'kysely';
import type { Executor } from './executor.js';
import type { SourcesTable } from '../schema.js';

export interface SourceRow {
  id: string;
  name: string;
  kind: SourcesTable['kind'];
  integration_id: string;
  schedule: string;
  active: boolean;
  config: Record<string, unknown>;
  cursor: Record<string, string | number> | null;
  last_run_at: Date | null;
  last_error: string | null;
  last_stats: Record<string, unknown> | null;
  /** The sealed secrets (sources/secrets.ts), null when the source has none. */
  secrets: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = ['id', 'name', 'kind', 'integration_id', 'schedule', 'active', 'config', 'cursor', 'last_run_at', 'last_error', 'last_stats', 'secrets', 'created_at', 'updated_at'] as const;

export interface NewSource {
  name: string;
  kind: SourcesTable['kind'];
  integration_id: string;
  schedule: string;
  active: boolean;
  config: Record<string, unknown>;
  secrets: string | null;
}

export async function insertSource(db: Executor, source: NewSource): Promise<SourceRow> {
  return (await db
    .insertInto('sources')
    .values({ ...source, config: JSON.stringify(source.config) })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow()) as SourceRow;
}

export async function updateSource(db: Executor, id: string, changes: Partial<Omit<NewSource, 'kind' | 'integration_id'>>): Promise<SourceRow | undefined> {
  const { config, ...rest } = changes;
  return (await db
    .updateTable('sources')
    .set({ ...rest, ...(config ? { config: JSON.stringify(config) } : {}), updated_at: new Date() })
    .where('id', '=', id)
    .returning(COLUMNS)
    .executeTakeFirst()) as SourceRow | undefined;
}

export async function findSource(db: Executor, id: string): Promise<SourceRow | undefined> {
  return (await db.selectFrom('sources').select(COLUMNS).where('id', '=', id).executeTakeFirst()) as SourceRow | undefined;
}

export async function listSources(db: Executor): Promise<SourceRow[]> {
  return (await db.selectFrom('sources').select(COLUMNS).orderBy('created_at').execute()) as SourceRow[];
}

/** Replaces config and secrets only if the config is still `expected` (a concurrent edit wins); false otherwise. */
export async function replaceConfig(db: Executor, id: string, expected: Record<string, unknown>, config: Record<string, unknown>, secrets: string | null): Promise<boolean> {
  const result = await db
    .updateTable('sources')
    .set({ config: JSON.stringify(config), secrets })
    .where('id', '=', id)
    .where(sql<boolean>`config = ${JSON.stringify(expected)}::jsonb`)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Takes the run lease unless another run holds an unexpired one; false when it is held. */
export async function takeRunLease(db: Executor, id: string, seconds: number): Promise<boolean> {
  const { rows } = await sql`
    UPDATE sources SET running_until = now() + make_interval(secs => ${seconds})
    WHERE id = ${id} AND (running_until IS NULL OR running_until < now()) RETURNING id`.execute(db);
  return rows.length > 0;
}

/** A run renews its lease after every page, so a crashed run blocks the next one only briefly. */
export async function extendRunLease(db: Executor, id: string, seconds: number): Promise<void> {
  await sql`UPDATE sources SET running_until = now() + make_interval(secs => ${seconds}) WHERE id = ${id}`.execute(db);
}

export async function finishRun(db: Executor, id: string, stats: Record<string, unknown>, error: string | null): Promise<void> {
  await sql`
    UPDATE sources SET running_until = NULL, last_run_at = now(), last_error = ${error}, last_stats = ${JSON.stringify(stats)}::jsonb
    WHERE id = ${id}`.execute(db);
}

export async function saveCursor(db: Executor, id: string, cursor: Record<string, string | number> | null): Promise<void> {
  await db.updateTable('sources').set({ cursor: cursor === null ? null : JSON.stringify(cursor) }).where('id', '=', id).execute();
}

export interface SourceRecordValues {
  record_key: string;
  communication_id: string | null;
  state: 'done' | 'skipped' | 'waiting' | 'missing';
  started_at: Date;
  recording: Record<string, unknown> | null;
  detail: string | null;
  /** The call the record is a leg of and what the leg said (weighed again when another leg comes). */
  call_uid?: string | null;
  leg?: Record<string, unknown> | null;
  /** The recording this leg brought. */
  media_id?: string | null;
}

/** The keys of these records already logged, except those logged in an `except` state (taken again). */
export async function knownRecordKeys(db: Executor, sourceId: string, keys: string[], except: ReadonlyArray<SourceRecordValues['state']> = []): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  let query = db.selectFrom('source_records').select('record_key').where('source_id', '=', sourceId).where('record_key', 'in', keys);
  if (except.length > 0) query = query.where('state', 'not in', except);
  const rows = await query.execute();
  return new Set(rows.map((r) => r.record_key));
}

export async function saveRecords(db: Executor, sourceId: string, records: SourceRecordValues[]): Promise<void> {
  if (records.length === 0) return;
  await db
    .insertInto('source_records')
    .values(
      records.map((r) => ({
        source_id: sourceId,
        record_key: r.record_key,
        communication_id: r.communication_id,
        state: r.state,
        started_at: r.started_at,
        recording: r.recording ? JSON.stringify(r.recording) : null,
        detail: r.detail,
        attempts: r.state === 'waiting' ? 1 : 0,
        call_uid: r.call_uid ?? null,
        leg: r.leg ? JSON.stringify(r.leg) : null,
        media_id: r.media_id ?? null,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['source_id', 'record_key']).doUpdateSet({
        communication_id: sql`excluded.communication_id`,
        state: sql`excluded.state`,
        recording: sql`excluded.recording`,
        detail: sql`excluded.detail`,
        call_uid: sql`coalesce(excluded.call_uid, source_records.call_uid)`,
        leg: sql`coalesce(excluded.leg, source_records.leg)`,
        media_id: sql`coalesce(excluded.media_id, source_records.media_id)`,
        updated_at: new Date(),
      }),
    )
    .execute();
}

export interface StoredLeg {
  record_key: string;
  call_uid: string;
  communication_id: string | null;
  state: SourceRecordValues['state'];
  started_at: Date;
  recording: Record<string, unknown> | null;
  leg: Record<string, unknown>;
  media_id: string | null;
}

/** The legs taken before of these calls, by call uid. */
export async function legsOfCalls(db: Executor, sourceId: string, callUids: string[]): Promise<Map<string, StoredLeg[]>> {
  const byCall = new Map<string, StoredLeg[]>();
  if (callUids.length === 0) return byCall;
  const rows = (await db
    .selectFrom('source_records')
    .select(['record_key', 'call_uid', 'communication_id', 'state', 'started_at', 'recording', 'leg', 'media_id'])
    .where('source_id', '=', sourceId)
    .where('call_uid', 'in', callUids)
    .where('leg', 'is not', null)
    .execute()) as StoredLeg[];
  for (const row of rows) byCall.set(row.call_uid, [...(byCall.get(row.call_uid) ?? []), row]);
  return byCall;
}

/** A leg's recording was found: the record is done and keeps it. */
export async function setRecordMedia(db: Executor, sourceId: string, key: string, mediaId: string): Promise<void> {
  await db
    .updateTable('source_records')
    .set({ state: 'done', detail: null, media_id: mediaId, attempts: sql`attempts + 1`, updated_at: new Date() })
    .where('source_id', '=', sourceId)
    .where('record_key', '=', key)
    .execute();
}

/** The recording of the call's earliest leg that has one: the one the call plays. */
export async function firstLegMedia(db: Executor, sourceId: string, callUid: string): Promise<string | null> {
  const row = await db
    .selectFrom('source_records')
    .select('media_id')
    .where('source_id', '=', sourceId)
    .where('call_uid', '=', callUid)
    .where('media_id', 'is not', null)
    .orderBy('started_at')
    .orderBy('record_key')
    .limit(1)
    .executeTakeFirst();
  return row?.media_id ?? null;
}

export interface WaitingRecord {
  record_key: string;
  communication_id: string;
  recording: Record<string, unknown>;
  started_at: Date;
  first_seen_at: Date;
  attempts: number;
  state: 'waiting' | 'missing' | 'done' | 'skipped';
  call_uid: string | null;
}

/** Records whose recording has not appeared yet, oldest first. */
export async function waitingRecords(db: Executor, sourceId: string, limit: number): Promise<WaitingRecord[]> {
  return (await db
    .selectFrom('source_records')
    .select(['record_key', 'communication_id', 'recording', 'started_at', 'first_seen_at', 'attempts', 'state', 'call_uid'])
    .where('source_id', '=', sourceId)
    .where('state', '=', 'waiting')
    .orderBy('first_seen_at')
    .limit(limit)
    .execute()) as WaitingRecord[];
}

/** Records with a recording to look for again, started in [from, to): waiting and missing ones. */
export async function recordsToRepull(db: Executor, sourceId: string, from: Date, to: Date, afterKey: string, limit: number): Promise<WaitingRecord[]> {
  return (await db
    .selectFrom('source_records')
    .select(['record_key', 'communication_id', 'recording', 'started_at', 'first_seen_at', 'attempts', 'state', 'call_uid'])
    .where('source_id', '=', sourceId)
    .where('state', 'in', ['waiting', 'missing'])
    .where('recording', 'is not', null)
    .where('started_at', '>=', from)
    .where('started_at', '<', to)
    .where('record_key', '>', afterKey)
    .orderBy('record_key')
    .limit(limit)
    .execute()) as WaitingRecord[];
}

export async function countToRepull(db: Executor, sourceId: string, from: Date, to: Date): Promise<number> {
  const row = await db
    .selectFrom('source_records')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('source_id', '=', sourceId)
    .where('state', 'in', ['waiting', 'missing'])
    .where('recording', 'is not', null)
    .where('started_at', '>=', from)
    .where('started_at', '<', to)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function setRecordState(db: Executor, sourceId: string, key: string, state: 'done' | 'waiting' | 'missing', detail: string | null): Promise<void> {
  await db
    .updateTable('source_records')
    .set({ state, detail, attempts: sql`attempts + 1`, updated_at: new Date() })
    .where('source_id', '=', sourceId)
    .where('record_key', '=', key)
    .execute();
}

export async function analyzeRecordLog(db: Executor): Promise<void> {
  await sql`ANALYZE source_records`.execute(db);
}
