// Communications (calls and chats): uid upserts from ingestion and reads by id.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

export interface CommunicationValues {
  kind: 'call' | 'chat';
  integration_id: string;
  uid: string;
  operator_id: string | null;
  department_id: string | null;
  client_id: string | null;
  direction: 'incoming' | 'outcoming' | null;
  started_at: Date;
  duration_s: number | null;
  client_phone_raw: string | null;
  client_phone_e164: string | null;
  chain_uid: string | null;
  nps: number | null;
  custom_fields: Record<string, unknown>;
  tags: string[] | null;
  media_url: string | null;
  transcript: unknown;
  warnings: unknown[];
  raw: unknown;
}

export interface UpsertedCommunication {
  id: string;
  integration_id: string;
  uid: string;
  created: boolean;
}

/**
 * Inserts new communications and merges known ones (same integration and uid): values the new body
 * carries replace stored ones, values it omits are kept, custom fields and the raw body merge by key.
 */
export async function upsertCommunications(db: Executor, rows: CommunicationValues[]): Promise<UpsertedCommunication[]> {
  if (rows.length === 0) return [];
  const sorted = [...rows].sort((a, b) => compare(a.integration_id + '\0' + a.uid, b.integration_id + '\0' + b.uid));
  return db
    .insertInto('communications')
    .values(
      sorted.map((r) => ({
        ...r,
        tags: r.tags ?? [],
        custom_fields: JSON.stringify(r.custom_fields),
        transcript: r.transcript === null || r.transcript === undefined ? null : JSON.stringify(r.transcript),
        warnings: JSON.stringify(r.warnings),
        raw: JSON.stringify(r.raw),
      })),
    )
    .onConflict((oc) =>
      oc.columns(['integration_id', 'uid']).doUpdateSet({
        operator_id: sql`excluded.operator_id`,
        department_id: sql`excluded.department_id`,
        client_id: sql`coalesce(excluded.client_id, communications.client_id)`,
        direction: sql`coalesce(excluded.direction, communications.direction)`,
        started_at: sql`excluded.started_at`,
        duration_s: sql`coalesce(excluded.duration_s, communications.duration_s)`,
        client_phone_raw: sql`coalesce(excluded.client_phone_raw, communications.client_phone_raw)`,
        client_phone_e164: sql`case when excluded.client_phone_raw is null then communications.client_phone_e164 else excluded.client_phone_e164 end`,
        chain_uid: sql`coalesce(excluded.chain_uid, communications.chain_uid)`,
        nps: sql`coalesce(excluded.nps, communications.nps)`,
        custom_fields: sql`communications.custom_fields || excluded.custom_fields`,
        tags: sql`case when excluded.raw ? 'tags' then excluded.tags else communications.tags end`,
        media_url: sql`coalesce(excluded.media_url, communications.media_url)`,
        transcript: sql`coalesce(excluded.transcript, communications.transcript)`,
        warnings: sql`excluded.warnings`,
        raw: sql`communications.raw || excluded.raw || jsonb_build_object('custom_fields',
          coalesce(communications.raw -> 'custom_fields', '{}'::jsonb) || coalesce(excluded.raw -> 'custom_fields', '{}'::jsonb))`,
        updated_at: sql`now()`,
      }),
    )
    .returning(['id', 'integration_id', 'uid', sql<boolean>`(xmax = 0)`.as('created')])
    .execute();
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface CommunicationDetail {
  id: string;
  kind: 'call' | 'chat';
  integration_id: string;
  uid: string;
  direction: 'incoming' | 'outcoming' | null;
  started_at: Date;
  duration_s: number | null;
  client_phone_raw: string | null;
  client_phone_e164: string | null;
  chain_uid: string | null;
  nps: number | null;
  custom_fields: Record<string, unknown>;
  tags: string[];
  media_url: string | null;
  transcript: unknown;
  warnings: unknown[];
  department_id: string | null;
  created_at: Date;
  updated_at: Date;
  operator_id: string | null;
  operator_external_id: string | null;
  operator_first_name: string | null;
  operator_last_name: string | null;
  client_external_id: string | null;
  client_first_name: string | null;
  client_last_name: string | null;
  client_company_name: string | null;
}

/** The select list shared by the detail read and search results. */
export function communicationColumns(db: Executor) {
  return db
    .selectFrom('communications as c')
    .leftJoin('operators as o', 'o.id', 'c.operator_id')
    .leftJoin('clients as cl', 'cl.id', 'c.client_id')
    .select([
      'c.id',
      'c.kind',
      'c.integration_id',
      'c.uid',
      'c.direction',
      'c.started_at',
      'c.duration_s',
      'c.client_phone_raw',
      'c.client_phone_e164',
      'c.chain_uid',
      'c.nps',
      'c.custom_fields',
      'c.tags',
      'c.media_url',
      'c.warnings',
      'c.department_id',
      'c.created_at',
      'c.updated_at',
      'c.operator_id',
      'o.external_id as operator_external_id',
      'o.first_name as operator_first_name',
      'o.last_name as operator_last_name',
      'cl.external_id as client_external_id',
      'cl.first_name as client_first_name',
      'cl.last_name as client_last_name',
      'cl.company_name as client_company_name',
    ]);
}

export async function findCommunication(db: Executor, id: string): Promise<CommunicationDetail | undefined> {
  return communicationColumns(db).select('c.transcript').where('c.id', '=', id).executeTakeFirst() as Promise<CommunicationDetail | undefined>;
}
