// The outbox: rows announcing a change to a consumer (search, media, crm), written in the change's transaction.
import type { Executor } from './executor.js';

export type OutboxTopic = 'search' | 'media' | 'crm';

export interface OutboxMessage {
  topic: OutboxTopic;
  key: string;
  payload: Record<string, unknown>;
}

export async function enqueue(db: Executor, messages: OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await db
    .insertInto('outbox')
    .values(messages.map((m) => ({ topic: m.topic, key: m.key, payload: JSON.stringify(m.payload) })))
    .execute();
}

export async function countPending(db: Executor): Promise<Array<{ topic: string; pending: number }>> {
  return db
    .selectFrom('outbox')
    .select(['topic', (eb) => eb.fn.countAll<number>().as('pending')])
    .where('state', '=', 'pending')
    .groupBy('topic')
    .execute();
}
