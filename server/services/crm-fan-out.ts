// Fan-out: `crm` outbox rows become deliveries, one CRM outcome per communication and connector. The first
// event a communication raises for a connector makes its delivery (paused while the connector is not
// active); a later, different event (a missed call answered after all) takes that delivery's place while
// nothing was sent for it yet, and once something was, is followed up or ignored as the connector's kind
// says (CONNECTOR_KINDS[kind].laterChange). Delivery keys (connector:communication:event) are unique, so a
// replayed outbox row or a re-run never doubles a delivery.
import { CONNECTOR_KINDS, type SupportedKind } from '../crm/connectors.js';
import { CrmRulesSchema, crmEventOf, type CrmEvent } from '../domain/crm-rules.js';
import { findCommunicationBriefs, insertDeliveries, listConnectors, type ConnectorRecord, type NewDelivery } from '../db/repositories/crm.js';
import { findFirstDeliveries, retargetUnsentDelivery, type FirstDelivery } from '../db/repositories/crm-outcomes.js';
import type { Executor } from '../db/repositories/executor.js';
import { complete, take } from '../db/repositories/outbox.js';

const deliveryKey = (connectorId: string, communicationId: string, event: CrmEvent) => `${connectorId}:${communicationId}:${event}`;

/** Turns one batch of `crm` outbox rows into deliveries; returns how many rows it consumed. */
export async function fanOutBatch(db: Executor, batchSize: number): Promise<number> {
  const batch = await take(db, 'crm', batchSize);
  if (batch.length === 0) return 0;
  const ids = [...new Set(batch.map((m) => m.key))];
  const [briefs, connectors, firsts] = await Promise.all([findCommunicationBriefs(db, ids), listConnectors(db), findFirstDeliveries(db, ids)]);
  const wanted = connectors.map((c) => ({ connector: c, rules: CrmRulesSchema.parse(c.rules) }));
  const firstOf = new Map(firsts.map((d) => [`${d.connector_id}:${d.communication_id}`, d]));
  const deliveries: NewDelivery[] = [];
  const retargets: Array<{ first: FirstDelivery; event: CrmEvent; connector: ConnectorRecord }> = [];
  for (const brief of briefs) {
    const event = crmEventOf(brief.kind, brief.duration_s, brief.direction, brief.closed_at);
    if (!event) continue; // an open chat: its CRM event comes with the post that closes it
    for (const { connector, rules } of wanted) {
      if (!rules.events.includes(event)) continue;
      if (rules.integrations && !rules.integrations.includes(brief.integration_id)) continue;
      const first = firstOf.get(`${connector.id}:${brief.id}`);
      if (first === undefined) deliveries.push(newDelivery(connector, brief.id, event, null));
      else if (first.event !== event) retargets.push({ first, event, connector });
    }
  }
  await db.transaction().execute(async (trx) => {
    for (const { first, event, connector } of retargets) {
      if (await retargetUnsentDelivery(trx, first.id, event, deliveryKey(connector.id, first.communication_id, event))) continue;
      if (laterChange(connector, first.event as CrmEvent, event) === 'follow_up') deliveries.push(newDelivery(connector, first.communication_id, event, first.id));
    }
    await insertDeliveries(trx, deliveries);
    await complete(trx, batch.map((m) => m.id));
  });
  return batch.length;
}

function newDelivery(connector: ConnectorRecord, communicationId: string, event: CrmEvent, follows: string | null): NewDelivery {
  return { connector_id: connector.id, communication_id: communicationId, event, delivery_key: deliveryKey(connector.id, communicationId, event), state: connector.state === 'active' ? 'pending' : 'paused', follows };
}

function laterChange(connector: ConnectorRecord, first: CrmEvent, later: CrmEvent) {
  return CONNECTOR_KINDS[connector.kind as SupportedKind].laterChange(first, later);
}
