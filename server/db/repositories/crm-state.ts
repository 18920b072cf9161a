// What CRM adapters keep between attempts: a delivery's progress, and a connector's secrets replaced only
// if nobody replaced them since they were read (a refreshed OAuth pair).
import type { Executor } from './executor.js';

export async function findDeliveryProgress(db: Executor, deliveryId: string): Promise<Record<string, unknown>> {
  const row = await db.selectFrom('crm_deliveries').select('progress').where('id', '=', deliveryId).executeTakeFirst();
  return row?.progress ?? {};
}

export async function saveDeliveryProgress(db: Executor, deliveryId: string, progress: Record<string, unknown>): Promise<void> {
  await db.updateTable('crm_deliveries').set({ progress: JSON.stringify(progress) }).where('id', '=', deliveryId).execute();
}

/** Compare-and-set of the sealed secrets; false when they changed since `expected` was read. */
export async function replaceConnectorSecrets(db: Executor, id: string, expected: string, sealed: string): Promise<boolean> {
  const result = await db.updateTable('crm_connectors').set({ secrets: sealed }).where('id', '=', id).where('secrets', '=', expected).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
