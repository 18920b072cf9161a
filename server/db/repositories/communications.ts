// Communications (calls and chats): reads by id and the select list search shares.
import { sql } from 'kysely';
import type { ClientAttributeType } from '../../domain/client-attributes.js';
import type { AccessScope } from '../../domain/access-scope.js';
import type { Executor } from './executor.js';
import { communicationReadable } from './scope.js';

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
  channel: string | null;
  closed_at: Date | null;
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
      'c.channel',
      'c.closed_at',
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

/** One communication of the scope with its transcript; undefined when there is none with this id in the scope. */
export async function findCommunication(db: Executor, access: AccessScope, id: string): Promise<CommunicationDetail | undefined> {
  return communicationColumns(db).select('c.transcript').where('c.id', '=', id).where(communicationReadable(access, 'c')).executeTakeFirst() as Promise<CommunicationDetail | undefined>;
}

/** Replaces a call's transcript, addressed the way the PBX knows it; undefined when the uid is unknown. */
export async function updateTranscript(db: Executor, integrationId: string, uid: string, transcript: unknown): Promise<{ id: string; uid: string } | undefined> {
  return db
    .updateTable('communications')
    .set({ transcript: JSON.stringify(transcript), updated_at: new Date() })
    .where('integration_id', '=', integrationId)
    .where('uid', '=', uid)
    .returning(['id', 'uid'])
    .executeTakeFirst();
}

/** Communications of the scope by id (search results), without transcripts; missing ids and those outside the scope are left out. */
export async function findCommunications(db: Executor, access: AccessScope, ids: string[]): Promise<CommunicationDetail[]> {
  if (ids.length === 0) return [];
  return communicationColumns(db).where('c.id', 'in', ids).where(communicationReadable(access, 'c')).execute() as Promise<CommunicationDetail[]>;
}

/** Everything the search document of each communication is built from; missing ids are left out. */
export async function findDocumentSources(db: Executor, ids: string[]) {
  if (ids.length === 0) return [];
  return communicationColumns(db)
    .select([
      'c.transcript',
      sql<Array<{ text: string }>>`(SELECT coalesce(jsonb_agg(jsonb_build_object('text', m.text) ORDER BY m.sent_at, m.message_id), '[]') FROM messages m WHERE m.communication_id = c.id)`.as('messages'),
      sql<string[]>`(SELECT coalesce(array_agg(t.name ORDER BY t.name), '{}') FROM client_tags ct JOIN tags t ON t.id = ct.tag_id AND NOT t.archived WHERE ct.client_id = c.client_id)`.as('client_tags'),
      sql<Record<string, { type: ClientAttributeType; value: unknown }>>`(SELECT jsonb_object_agg(a.id, jsonb_build_object('type', a.type, 'value', v.value)) FROM client_attribute_values v JOIN client_attributes a ON a.id = v.attribute_id WHERE v.client_id = c.client_id)`.as('client_attributes'),
    ])
    .where('c.id', 'in', ids)
    .execute() as Promise<Array<CommunicationDetail & { messages: Array<{ text: string }>; client_tags: string[]; client_attributes: Record<string, { type: ClientAttributeType; value: unknown }> | null }>>;
}

/** One page of communication ids in (started_at, id) order, for rebuilding the search index. */
export async function pageCommunicationIds(
  db: Executor,
  range: { from?: Date | undefined; to?: Date | undefined; updatedSince?: Date | undefined },
  after: { startedAt: Date; id: string } | undefined,
  limit: number,
): Promise<Array<{ id: string; started_at: Date }>> {
  let query = db.selectFrom('communications').select(['id', 'started_at']).orderBy('started_at').orderBy('id').limit(limit);
  if (range.from) query = query.where('started_at', '>=', range.from);
  if (range.to) query = query.where('started_at', '<', range.to);
  if (range.updatedSince) query = query.where('updated_at', '>=', range.updatedSince);
  // A row comparison, so the (started_at, id) index seeks straight to the cursor instead of filtering from the start.
  if (after) query = query.where((eb) => eb(eb.refTuple('started_at', 'id'), '>', eb.tuple(after.startedAt, after.id)));
  return query.execute();
}

export async function countCommunicationsBetween(db: Executor, range: { from?: Date | undefined; to?: Date | undefined }): Promise<number> {
  let query = db.selectFrom('communications').select((eb) => eb.fn.countAll<number>().as('n'));
  if (range.from) query = query.where('started_at', '>=', range.from);
  if (range.to) query = query.where('started_at', '<', range.to);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

export interface RawCustomFields {
  id: string;
  custom_fields: Record<string, unknown>;
  raw_fields: Record<string, unknown> | null;
  warnings: Array<{ path?: string }>;
  default_timezone: string | null;
}

/** Of these communications, those with custom field values that were left out when they arrived. */
export async function findUnappliedCustomFields(db: Executor, ids: string[]): Promise<RawCustomFields[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<RawCustomFields>`
    SELECT c.id, c.custom_fields, c.raw -> 'custom_fields' AS raw_fields, c.warnings, i.default_timezone
    FROM communications c JOIN integrations i ON i.id = c.integration_id
    WHERE c.id = ANY(${ids}::uuid[]) AND jsonb_path_exists(c.warnings, '$[*] ? (@.path starts with "custom_fields.")')`.execute(db);
  return rows;
}

export async function updateCustomFieldValues(db: Executor, updates: Array<{ id: string; custom_fields: Record<string, unknown>; warnings: unknown[] }>): Promise<void> {
  if (updates.length === 0) return;
  await sql`
    UPDATE communications c SET custom_fields = u.custom_fields, warnings = u.warnings, updated_at = now()
    FROM jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) AS u(id uuid, custom_fields jsonb, warnings jsonb)
    WHERE c.id = u.id`.execute(db);
}

/** The database's clock, so "changed since" compares with the times rows were written. */
export async function databaseNow(db: Executor): Promise<Date> {
  return (await sql<{ now: Date }>`SELECT now() AS now`.execute(db)).rows[0]!.now;
}

/** Communications stored (first written) in each of the last `windows` spans of seconds, by the created_at index. */
export async function countCreatedWithin(db: Executor, windows: number[]): Promise<number[]> {
  const longest = Math.max(...windows);
  const columns = windows.map((s) => sql<string>`count(*) FILTER (WHERE created_at > now() - make_interval(secs => ${s}))`);
  const { rows } = await sql<Record<string, string>>`
    SELECT ${sql.join(columns.map((c, i) => sql`${c} AS ${sql.ref(`w${i}`)}`))}
    FROM communications WHERE created_at > now() - make_interval(secs => ${longest})`.execute(db);
  return windows.map((_, i) => Number(rows[0]?.[`w${i}`] ?? 0));
}

/** A client's latest communications, calls and chats alike, for the client card. */
export async function findCommunicationSummaries(db: Executor, access: AccessScope, clientId: string, limit: number) {
  return db
    .selectFrom('communications')
    .select(['id', 'kind', 'uid', 'channel', 'direction', 'started_at', 'duration_s', 'tags'])
    .where('client_id', '=', clientId)
    .where(communicationReadable(access))
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
