// CRM connectors, their deliveries (claimed with FOR UPDATE SKIP LOCKED and a lease, so a process killed
// mid-delivery leaves it to be claimed again, never twice at once) and the log of attempts.
import { sql } from 'kysely';
import type { Executor } from './executor.js';
import { OUTBOX_CHANNEL } from './outbox.js';

export type ConnectorKind = 'webhook' | 'bitrix24' | 'amocrm' | 'usedesk' | 'zoho_desk';
export type ConnectorState = 'active' | 'inactive' | 'broken';
export type DeliveryState = 'pending' | 'delivered' | 'dead' | 'paused';

export interface ConnectorRecord {
  id: string;
  name: string;
  kind: ConnectorKind;
  config: Record<string, unknown>;
  rules: Record<string, unknown>;
  secrets: string;
  state: ConnectorState;
  broken_reason: string | null;
  max_concurrency: number;
  created_at: Date;
  updated_at: Date;
}

export async function insertConnector(db: Executor, values: Pick<ConnectorRecord, 'name' | 'kind' | 'config' | 'rules' | 'secrets' | 'max_concurrency'>): Promise<ConnectorRecord> {
  return db
    .insertInto('crm_connectors')
    .values({ ...values, config: JSON.stringify(values.config), rules: JSON.stringify(values.rules) })
    .returningAll()
    .executeTakeFirstOrThrow() as Promise<ConnectorRecord>;
}

export async function updateConnector(db: Executor, id: string, values: Partial<Pick<ConnectorRecord, 'name' | 'config' | 'rules' | 'secrets' | 'max_concurrency' | 'state' | 'broken_reason'>>): Promise<ConnectorRecord | undefined> {
  const { config, rules, ...rest } = values;
  return db
    .updateTable('crm_connectors')
    .set({ ...rest, ...(config ? { config: JSON.stringify(config) } : {}), ...(rules ? { rules: JSON.stringify(rules) } : {}), updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst() as Promise<ConnectorRecord | undefined>;
}

export async function findConnector(db: Executor, id: string): Promise<ConnectorRecord | undefined> {
  return db.selectFrom('crm_connectors').selectAll().where('id', '=', id).executeTakeFirst() as Promise<ConnectorRecord | undefined>;
}

export async function listConnectors(db: Executor): Promise<ConnectorRecord[]> {
  return db.selectFrom('crm_connectors').selectAll().orderBy('created_at').execute() as Promise<ConnectorRecord[]>;
}

/** Marks the connector broken and pauses its pending deliveries, unless it was already deactivated. */
export async function breakConnector(db: Executor, id: string, reason: string): Promise<void> {
  await db.updateTable('crm_connectors').set({ state: 'broken', broken_reason: reason.slice(0, 1000), updated_at: sql`now()` }).where('id', '=', id).where('state', '=', 'active').execute();
  await db.updateTable('crm_deliveries').set({ state: 'paused', updated_at: sql`now()` }).where('connector_id', '=', id).where('state', '=', 'pending').execute();
}

/**
 * Reactivation: what was paused or dead-lettered since `since` goes out again (once: the delivery keys stay),
 * with a fresh retry budget; what is older stays as it was, dead with its reason or paused.
 */
export async function resumeConnector(db: Executor, id: string, since: Date): Promise<number> {
  await db.updateTable('crm_connectors').set({ state: 'active', broken_reason: null, updated_at: sql`now()` }).where('id', '=', id).execute();
  const rows = await db
    .updateTable('crm_deliveries')
    .set({ state: 'pending', next_attempt_at: sql`now()`, attempts: 0, first_attempt_at: null, updated_at: sql`now()` })
    .where('connector_id', '=', id)
    .where('state', 'in', ['paused', 'dead'])
    .where('created_at', '>=', since)
    .returning('id')
    .execute();
  if (rows.length > 0) await wakeDeliveryJob(db);
  await db
    .updateTable('crm_deliveries')
    .set({ state: 'dead', last_error: sql`coalesce(last_error || '; ', '') || 'not resent: older than the resend window'`, updated_at: sql`now()` })
    .where('connector_id', '=', id)
    .where('state', '=', 'paused')
    .execute();
  return rows.length;
}

/** Deliveries made due outside the outbox (reactivation, replay) wake the delivery job like a new outbox row. */
export async function wakeDeliveryJob(db: Executor): Promise<void> {
  await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, 'crm')`.execute(db);
}

export interface NewDelivery {
  connector_id: string;
  communication_id: string;
  event: string;
  delivery_key: string;
  state: 'pending' | 'paused';
  /** The communication's first delivery to the connector, when this one follows up a later change. */
  follows: string | null;
}

/** Postgres binds at most 65,535 parameters per statement; a delivery row binds one per column. */
const MAX_BIND_PARAMETERS = 65_535;
const DELIVERY_INSERT_COLUMNS = 6;

/** Inserts deliveries, in statements small enough to bind; one that exists (same key) is left as it is. */
export async function insertDeliveries(db: Executor, deliveries: NewDelivery[]): Promise<number> {
  const perStatement = Math.floor(MAX_BIND_PARAMETERS / DELIVERY_INSERT_COLUMNS);
  let inserted = 0;
  for (let start = 0; start < deliveries.length; start += perStatement) {
    const chunk = deliveries.slice(start, start + perStatement);
    const rows = await db.insertInto('crm_deliveries').values(chunk).onConflict((oc) => oc.column('delivery_key').doNothing()).returning('id').execute();
    inserted += rows.length;
  }
  return inserted;
}

export interface ClaimedDelivery {
  id: string;
  connector_id: string;
  communication_id: string;
  event: string;
  delivery_key: string;
  attempts: number;
  first_attempt_at: Date;
  follows: string | null;
  created_at: Date;
}

/**
 * Claims due deliveries of one active connector: counts the attempt and pushes next_attempt_at past the lease.
 * A follow-up waits while the delivery it follows is still to be settled (it acts on what that one made).
 */
export async function claimDeliveries(db: Executor, connectorId: string, limit: number, leaseSeconds: number): Promise<ClaimedDelivery[]> {
  const { rows } = await sql<ClaimedDelivery>`
    UPDATE crm_deliveries SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ${leaseSeconds}),
      first_attempt_at = coalesce(first_attempt_at, now()), awaits_media = false, updated_at = now()
    WHERE id IN (
      SELECT d.id FROM crm_deliveries d JOIN crm_connectors c ON c.id = d.connector_id AND c.state = 'active'
      WHERE d.connector_id = ${connectorId} AND d.state = 'pending' AND d.next_attempt_at <= now()
        AND NOT EXISTS (SELECT 1 FROM crm_deliveries f WHERE f.id = d.follows AND f.state IN ('pending', 'paused'))
      ORDER BY d.next_attempt_at LIMIT ${limit} FOR UPDATE OF d SKIP LOCKED)
    RETURNING id, connector_id, communication_id, event, delivery_key, attempts, first_attempt_at, follows, created_at`.execute(db);
  return rows;
}

/**
 * Gives claimed deliveries that were never sent back to the queue as they were before the claim: due now, the
 * attempt not counted (a first claim also forgets its first attempt time). Their state is left alone.
 */
export async function releaseDeliveries(db: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('crm_deliveries')
    .set({
      attempts: sql`greatest(attempts - 1, 0)`,
      first_attempt_at: sql`CASE WHEN attempts <= 1 THEN NULL ELSE first_attempt_at END`,
      next_attempt_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('id', 'in', ids)
    .execute();
}

export async function settleDelivery(db: Executor, id: string, outcome: { state: 'delivered' } | { state: 'pending'; delayMs: number; error: string } | { state: 'dead' | 'paused'; error: string }): Promise<void> {
  if (outcome.state === 'delivered') {
    await db.updateTable('crm_deliveries').set({ state: 'delivered', delivered_at: sql`now()`, last_error: null, updated_at: sql`now()` }).where('id', '=', id).execute();
  } else if (outcome.state === 'pending') {
    await db
      .updateTable('crm_deliveries')
      .set({ next_attempt_at: sql`now() + make_interval(secs => ${outcome.delayMs / 1000})`, last_error: outcome.error.slice(0, 2000), updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
  } else {
    await db.updateTable('crm_deliveries').set({ state: outcome.state, last_error: outcome.error.slice(0, 2000), updated_at: sql`now()` }).where('id', '=', id).execute();
  }
}

export interface AttemptValues {
  delivery_id: string;
  attempt: number;
  started_at: Date;
  duration_ms: number;
  outcome: string;
  request: Record<string, unknown>;
  response_status: number | null;
  response_excerpt: string | null;
  error: string | null;
}

export async function insertAttempt(db: Executor, values: AttemptValues): Promise<void> {
  await db.insertInto('crm_delivery_attempts').values({ ...values, request: JSON.stringify(values.request) }).execute();
}

export interface DeliveryRecord {
  id: string;
  connector_id: string;
  communication_id: string;
  event: string;
  delivery_key: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: Date;
  first_attempt_at: Date | null;
  delivered_at: Date | null;
  last_error: string | null;
  follows: string | null;
  created_at: Date;
}

const DELIVERY_COLUMNS = ['id', 'connector_id', 'communication_id', 'event', 'delivery_key', 'follows', 'state', 'attempts', 'next_attempt_at', 'first_attempt_at', 'delivered_at', 'last_error', 'created_at'] as const;

export interface DeliveryFilter {
  state?: DeliveryState | undefined;
  connector_id?: string | undefined;
  communication_id?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}

export async function listDeliveries(db: Executor, filter: DeliveryFilter, page: { limit: number; after?: { created_at: Date; id: string } | undefined }): Promise<DeliveryRecord[]> {
  let query = db.selectFrom('crm_deliveries').select(DELIVERY_COLUMNS).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit);
  if (filter.state) query = query.where('state', '=', filter.state);
  if (filter.connector_id) query = query.where('connector_id', '=', filter.connector_id);
  if (filter.communication_id) query = query.where('communication_id', '=', filter.communication_id);
  if (filter.since) query = query.where('created_at', '>=', filter.since);
  if (filter.until) query = query.where('created_at', '<', filter.until);
  if (page.after) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(page.after!.created_at, page.after!.id)));
  return query.execute() as Promise<DeliveryRecord[]>;
}

export async function countDeliveries(db: Executor, filter: DeliveryFilter): Promise<number> {
  let query = db.selectFrom('crm_deliveries').select((eb) => eb.fn.countAll<string>().as('n'));
  if (filter.state) query = query.where('state', '=', filter.state);
  if (filter.connector_id) query = query.where('connector_id', '=', filter.connector_id);
  if (filter.communication_id) query = query.where('communication_id', '=', filter.communication_id);
  if (filter.since) query = query.where('created_at', '>=', filter.since);
  if (filter.until) query = query.where('created_at', '<', filter.until);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/**
 * Per connector, how many deliveries wait, are paused or dead (the overview's failed counts). Delivered ones,
 * which only grow, are left out so this stays an index range per connector and state.
 */
export async function deliveryCountsByConnector(db: Executor): Promise<Array<{ connector_id: string; name: string; connector_state: string; pending: number; paused: number; dead: number }>> {
  const { rows } = await sql<{ connector_id: string; name: string; connector_state: string; pending: number; paused: number; dead: number }>`
    SELECT c.id AS connector_id, c.name, c.state AS connector_state,
      count(d.id) FILTER (WHERE d.state = 'pending')::int AS pending,
      count(d.id) FILTER (WHERE d.state = 'paused')::int AS paused,
      count(d.id) FILTER (WHERE d.state = 'dead')::int AS dead
    FROM crm_connectors c LEFT JOIN crm_deliveries d ON d.connector_id = c.id AND d.state IN ('pending', 'paused', 'dead')
    GROUP BY c.id ORDER BY c.name`.execute(db);
  return rows;
}

export async function findDelivery(db: Executor, id: string): Promise<DeliveryRecord | undefined> {
  return db.selectFrom('crm_deliveries').select(DELIVERY_COLUMNS).where('id', '=', id).executeTakeFirst() as Promise<DeliveryRecord | undefined>;
}

export async function listAttempts(db: Executor, deliveryId: string) {
  return db.selectFrom('crm_delivery_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt').execute();
}

/**
 * Puts settled deliveries back in the queue with a fresh retry budget (a manual replay): due now, no attempts
 * counted, so the backoff starts again from its first step; returns those moved.
 */
export async function requeueDeliveries(db: Executor, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await db
    .updateTable('crm_deliveries')
    .set({ state: 'pending', next_attempt_at: sql`now()`, attempts: 0, first_attempt_at: null, updated_at: sql`now()` })
    .where('id', 'in', ids)
    .where('state', '<>', 'pending')
    .returning('id')
    .execute();
  if (rows.length > 0) await wakeDeliveryJob(db);
  return rows.length;
}

/** What decides a communication's CRM event and which connectors want it. */
export async function findCommunicationBriefs(db: Executor, ids: string[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('communications').select(['id', 'kind', 'integration_id', 'duration_s', 'direction', 'closed_at']).where('id', 'in', ids).execute();
}
