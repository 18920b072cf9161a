// The outbox: rows announcing a change to a consumer (search, media, crm), written in the change's
// transaction and drained by that consumer's job. Each job runs under its advisory lock (one runner in
// the installation), so taking rows is a plain read: they stay pending while processed, a runner that
// dies leaves them to the next run, and only the outcome (delete, retry, bury) writes. No transaction
// stays open across network I/O.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

export type OutboxTopic = 'search' | 'media' | 'crm';

/** Channel NOTIFYed (payload: topic) by the trigger on every statement that inserts outbox rows. */
export const OUTBOX_CHANNEL = 'earshot_outbox';

export interface OutboxMessage {
  topic: OutboxTopic;
  key: string;
  payload: Record<string, unknown>;
}

export interface TakenMessage {
  id: number;
  key: string;
  payload: Record<string, unknown>;
  attempts: number;
  created_at: Date;
}

export async function enqueue(db: Executor, messages: OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await db
    .insertInto('outbox')
    .values(messages.map((m) => ({ topic: m.topic, key: m.key, payload: JSON.stringify(m.payload) })))
    .execute();
}

/**
 * The next `limit` due rows of a topic, oldest first, for the topic's single runner (its job's advisory
 * lock). `attempts` counts this attempt; a retry or a burial records it.
 */
export async function take(db: Executor, topic: OutboxTopic, limit: number): Promise<TakenMessage[]> {
  const { rows } = await sql<TakenMessage>`
    SELECT id, key, payload, attempts + 1 AS attempts, created_at FROM outbox
    WHERE topic = ${topic} AND state = 'pending' AND run_after <= now()
    ORDER BY run_after, id LIMIT ${limit}`.execute(db);
  return rows;
}

/** Done rows are deleted: the outbox is a queue, the consumers keep their own records. */
export async function complete(db: Executor, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('outbox').where('id', 'in', ids).execute();
}

export interface Retry {
  id: number;
  delayMs: number;
  error: string;
}

/** Records a failed attempt on each row and puts it off by its own delay, with its reason, in one statement. */
export async function reschedule(db: Executor, retries: Retry[]): Promise<void> {
  if (retries.length === 0) return;
  await sql`
    UPDATE outbox SET attempts = attempts + 1, run_after = now() + make_interval(secs => r.delay_s), last_error = r.error
    FROM unnest(${retries.map((r) => r.id)}::bigint[], ${retries.map((r) => r.delayMs / 1000)}::float8[], ${retries.map((r) => r.error.slice(0, 2000))}::text[]) AS r(id, delay_s, error)
    WHERE outbox.id = r.id`.execute(db);
}

export async function bury(db: Executor, ids: number[], error: string): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('outbox').set({ state: 'dead', attempts: sql`attempts + 1`, last_error: error.slice(0, 2000) }).where('id', 'in', ids).execute();
}

export interface TopicBacklog {
  topic: string;
  pending: number;
  dead: number;
  /** Age in seconds of the oldest pending row (0 when none). */
  oldest_seconds: number;
}

export async function backlog(db: Executor): Promise<TopicBacklog[]> {
  const { rows } = await sql<TopicBacklog>`
    SELECT topic,
      count(*) FILTER (WHERE state = 'pending')::int AS pending,
      count(*) FILTER (WHERE state = 'dead')::int AS dead,
      coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE state = 'pending')), 0)::float8 AS oldest_seconds
    FROM outbox GROUP BY topic`.execute(db);
  return rows;
}

/**
 * Adds `sealed_url` (the fetch URL with its credentials, sealed) to the pending `media` rows of a
 * communication that announce `shownUrl`; run in the transaction that announced them.
 */
export async function addSealedMediaUrl(db: Executor, communicationId: string, shownUrl: string, sealedUrl: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ payload: sql`payload || jsonb_build_object('sealed_url', ${sealedUrl}::text)` })
    .where('topic', '=', 'media')
    .where('key', '=', communicationId)
    .where('state', '=', 'pending')
    .where(sql`payload->>'url'`, '=', shownUrl)
    .execute();
}
