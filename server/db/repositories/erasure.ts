// Erasure: the statements that destroy one person's data (clients, and what their communications hold
// about them) while the communications stay as anonymous rows, and the deletion acts that record it.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

export interface ErasureCounts {
  clients: number;
  communications: number;
  names: number;
  phones: number;
  attributes: number;
  recordings: number;
  transcripts: number;
  messages: number;
  custom_field_values: number;
  raw_payloads: number;
  crm_deliveries_cancelled: number;
}

/** Clients holding this phone (as sent or as E.164), in every integration. */
export async function clientIdsWithPhone(db: Executor, phones: string[]): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`SELECT id FROM clients WHERE phones && ${phones}::text[]`.execute(db);
  return rows.map((r) => r.id);
}

/**
 * The communications of these clients or with this phone, locked for the erasure's transaction. A valid
 * number is matched by its E.164 form (indexed); one that is no valid number, as sent (a full scan, rare).
 */
export async function lockCommunications(db: Executor, clientIds: string[], phone: { e164: string | null; raw: string } | undefined): Promise<Array<{ id: string; media_id: string | null }>> {
  const byPhone = phone === undefined ? sql`false` : phone.e164 !== null ? sql`client_phone_e164 = ${phone.e164}` : sql`client_phone_raw = ${phone.raw}`;
  const { rows } = await sql<{ id: string; media_id: string | null }>`
    SELECT id, media_id FROM communications WHERE client_id = ANY(${clientIds}::uuid[]) OR ${byPhone}
    FOR UPDATE`.execute(db);
  return rows;
}

/** What the erasure is about to destroy, counted before it does. */
export type PersonalDataCounts = Omit<ErasureCounts, 'crm_deliveries_cancelled' | 'clients' | 'communications'>;

export async function countPersonalData(db: Executor, clientIds: string[], ids: string[]): Promise<PersonalDataCounts> {
  const { rows } = await sql<PersonalDataCounts>`
    SELECT
      (SELECT count(*) FILTER (WHERE coalesce(first_name, last_name, company_name) IS NOT NULL)::int FROM clients WHERE id = ANY(${clientIds}::uuid[])) AS names,
      (SELECT coalesce(sum(cardinality(phones)), 0)::int FROM clients WHERE id = ANY(${clientIds}::uuid[]))
        + (SELECT count(*) FILTER (WHERE client_phone_raw IS NOT NULL OR client_phone_e164 IS NOT NULL)::int FROM communications WHERE id = ANY(${ids}::uuid[])) AS phones,
      (SELECT count(*)::int FROM client_attribute_values WHERE client_id = ANY(${clientIds}::uuid[])) AS attributes,
      (SELECT count(*) FILTER (WHERE media_id IS NOT NULL)::int FROM communications WHERE id = ANY(${ids}::uuid[])) AS recordings,
      (SELECT count(*) FILTER (WHERE transcript IS NOT NULL AND jsonb_typeof(transcript) <> 'null')::int FROM communications WHERE id = ANY(${ids}::uuid[])) AS transcripts,
      (SELECT count(*)::int FROM messages WHERE communication_id = ANY(${ids}::uuid[]) AND text <> '') AS messages,
      (SELECT coalesce(sum((SELECT count(*) FROM jsonb_object_keys(custom_fields))), 0)::int FROM communications WHERE id = ANY(${ids}::uuid[]) AND jsonb_typeof(custom_fields) = 'object') AS custom_field_values,
      (SELECT count(*) FILTER (WHERE raw <> '{}'::jsonb)::int FROM communications WHERE id = ANY(${ids}::uuid[])) AS raw_payloads`.execute(db);
  return rows[0]!;
}

/** Leaves the communications as anonymous rows: time, duration, direction, operator, kind, tags and nps stay. */
export async function anonymiseCommunications(db: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    UPDATE communications SET client_id = NULL, client_phone_raw = NULL, client_phone_e164 = NULL,
      custom_fields = '{}'::jsonb, raw = '{}'::jsonb, transcript = NULL, warnings = '[]'::jsonb,
      media_id = NULL, media_url = NULL, media_state = NULL, media_error = NULL, updated_at = now()
    WHERE id = ANY(${ids}::uuid[])`.execute(db);
  await sql`UPDATE messages SET text = '' WHERE communication_id = ANY(${ids}::uuid[]) AND text <> ''`.execute(db);
  // What a pull source read about the call (the CDR line's parties, the recording's path) goes too.
  await sql`UPDATE source_records SET leg = NULL, recording = NULL, detail = NULL, media_id = NULL, updated_at = now() WHERE communication_id = ANY(${ids}::uuid[])`.execute(db);
}

/**
 * Cancels CRM pushes not yet made for these communications and blanks what earlier attempts sent
 * (their request bodies carried the client's data); announcements not yet turned into deliveries go too.
 */
export async function cancelCrmDeliveries(db: Executor, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  await sql`DELETE FROM outbox WHERE topic IN ('crm', 'media') AND key = ANY(${ids}::text[]) AND state = 'pending'`.execute(db);
  const { rows } = await sql<{ n: number }>`
    WITH cancelled AS (
      UPDATE crm_deliveries SET state = 'dead', last_error = 'cancelled: the client was erased', updated_at = now()
      WHERE communication_id = ANY(${ids}::uuid[]) AND state IN ('pending', 'paused') RETURNING id
    ) SELECT count(*)::int AS n FROM cancelled`.execute(db);
  await sql`
    UPDATE crm_delivery_attempts SET request = '{}'::jsonb, response_excerpt = NULL
    WHERE delivery_id IN (SELECT id FROM crm_deliveries WHERE communication_id = ANY(${ids}::uuid[]))`.execute(db);
  return rows[0]?.n ?? 0;
}

/** Deletes the clients; their attribute values, tags and merge aliases go with them. */
export async function deleteClients(db: Executor, clientIds: string[]): Promise<void> {
  if (clientIds.length === 0) return;
  await sql`DELETE FROM clients WHERE id = ANY(${clientIds}::uuid[])`.execute(db);
}

export interface NewErasureAct {
  keep_until: Date;
  subject_type: 'client' | 'phone';
  subject_hash: string;
  integration_id: string | null;
  requested_by: Record<string, unknown>;
  communication_ids: string[];
  counts: ErasureCounts;
}

export interface ErasureActRecord extends Omit<NewErasureAct, 'counts'> {
  id: string;
  erased_at: Date;
  counts: Record<string, number>;
}

const ACT_COLUMNS = ['id', 'erased_at', 'keep_until', 'subject_type', 'subject_hash', 'integration_id', 'requested_by', 'communication_ids', 'counts'] as const;

export async function insertAct(db: Executor, act: NewErasureAct): Promise<ErasureActRecord> {
  return db
    .insertInto('erasure_acts')
    .values({ ...act, requested_by: JSON.stringify(act.requested_by), counts: JSON.stringify(act.counts) })
    .returning(ACT_COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function findAct(db: Executor, id: string): Promise<ErasureActRecord | undefined> {
  return db.selectFrom('erasure_acts').select(ACT_COLUMNS).where('id', '=', id).executeTakeFirst();
}
