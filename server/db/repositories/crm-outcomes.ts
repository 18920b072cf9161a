// A communication's CRM outcome per connector: its first delivery (the one no other follows), the rewrite
// of a first delivery nothing was sent for yet, and the deliveries put off until the call's recording is
// stored or has failed.
import { sql } from 'kysely';
import type { Executor } from './executor.js';
import { wakeDeliveryJob } from './crm.js';

export interface FirstDelivery {
  id: string;
  connector_id: string;
  communication_id: string;
  event: string;
  delivery_key: string;
  progress: Record<string, unknown>;
}

/** The first delivery of each communication to each connector (follow-ups left out). */
export async function findFirstDeliveries(db: Executor, communicationIds: string[]): Promise<FirstDelivery[]> {
  if (communicationIds.length === 0) return [];
  return db
    .selectFrom('crm_deliveries')
    .select(['id', 'connector_id', 'communication_id', 'event', 'delivery_key', 'progress'])
    .where('communication_id', 'in', communicationIds)
    .where('follows', 'is', null)
    .execute();
}

/** The deliveries that claimed follow-ups follow, by id (their event, key and what their attempts achieved). */
export async function findDeliveriesById(db: Executor, ids: string[]): Promise<Map<string, FirstDelivery>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('crm_deliveries').select(['id', 'connector_id', 'communication_id', 'event', 'delivery_key', 'progress']).where('id', 'in', ids).execute();
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * Gives a first delivery that was never attempted (nothing reached the CRM: waiting, paused, not yet claimed)
 * the communication's new event and its key; false when it was claimed or attempted meanwhile.
 */
export async function retargetUnsentDelivery(db: Executor, id: string, event: string, deliveryKey: string): Promise<boolean> {
  const result = await db
    .updateTable('crm_deliveries')
    .set({ event, delivery_key: deliveryKey, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('state', 'in', ['pending', 'paused'])
    .where('attempts', '=', 0)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('crm_delivery_attempts as a').select('a.id').whereRef('a.delivery_id', '=', 'crm_deliveries.id'))))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('crm_deliveries as k').select('k.id').where('k.delivery_key', '=', deliveryKey))))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Claimed deliveries whose call's recording is still being fetched go back unattempted (as releaseDeliveries
 * does), due again at the wait's deadline (`waitSeconds` after the delivery was made) or after `pollSeconds`,
 * whichever comes first; the fetch wakes them earlier (wakeAwaitingMedia).
 */
export async function awaitMedia(db: Executor, ids: string[], waitSeconds: number, pollSeconds: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('crm_deliveries')
    .set({
      attempts: sql`greatest(attempts - 1, 0)`,
      first_attempt_at: sql`CASE WHEN attempts <= 1 THEN NULL ELSE first_attempt_at END`,
      next_attempt_at: sql`least(created_at + make_interval(secs => ${waitSeconds}), now() + make_interval(secs => ${pollSeconds}))`,
      awaits_media: true,
      updated_at: sql`now()`,
    })
    .where('id', 'in', ids)
    .execute();
}

/** The recording of a communication was stored or failed: its deliveries waiting for it are due now. */
export async function wakeAwaitingMedia(db: Executor, communicationId: string): Promise<void> {
  const rows = await db
    .updateTable('crm_deliveries')
    .set({ next_attempt_at: sql`now()`, awaits_media: false, updated_at: sql`now()` })
    .where('communication_id', '=', communicationId)
    .where('state', '=', 'pending')
    .where('awaits_media', '=', true)
    .returning('id')
    .execute();
  if (rows.length > 0) await wakeDeliveryJob(db);
}
