// Clients addressed by external id (through the aliases of merged clients), their attribute values and
// tags, what their card shows, and merging two of them.
import { sql } from 'kysely';
import type { ClientAttributeType } from '../../domain/client-attributes.js';
import type { Executor } from './executor.js';

export interface ClientRecord {
  id: string;
  external_id: string;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
  phones: string[];
  created_at: Date;
  updated_at: Date;
}

export interface ClientValues {
  external_id: string;
  first_name?: string | null;
  last_name?: string | null;
  company_name?: string | null;
  phone?: string | null;
}

/** The external id a client is stored under: itself, or the client it was merged into. */
export async function resolveExternalId(db: Executor, externalId: string): Promise<string> {
  const row = await db
    .selectFrom('client_aliases as a')
    .innerJoin('clients as c', 'c.id', 'a.client_id')
    .select('c.external_id')
    .where('a.external_id', '=', externalId)
    .executeTakeFirst();
  return row?.external_id ?? externalId;
}

/** All aliases as alias → external id of the client it now names (few: one per merge). */
export async function listAliases(db: Executor): Promise<Map<string, string>> {
  const rows = await db.selectFrom('client_aliases as a').innerJoin('clients as c', 'c.id', 'a.client_id').select(['a.external_id as alias', 'c.external_id']).execute();
  return new Map(rows.map((r) => [r.alias, r.external_id]));
}

/** Creates the client on first sight; later sightings fill names and add phones. */
export async function upsertClient(db: Executor, values: ClientValues): Promise<ClientRecord> {
  const phones = values.phone ? [values.phone] : [];
  return db
    .insertInto('clients')
    .values({ external_id: values.external_id, first_name: values.first_name ?? null, last_name: values.last_name ?? null, company_name: values.company_name ?? null, phones })
    .onConflict((oc) =>
      oc.column('external_id').doUpdateSet({
        first_name: sql`coalesce(excluded.first_name, clients.first_name)`,
        last_name: sql`coalesce(excluded.last_name, clients.last_name)`,
        company_name: sql`coalesce(excluded.company_name, clients.company_name)`,
        phones: sql`array(SELECT DISTINCT p FROM unnest(clients.phones || excluded.phones) AS p ORDER BY p)`,
        updated_at: sql`now()`,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow() as Promise<ClientRecord>;
}

export async function findClient(db: Executor, externalId: string): Promise<ClientRecord | undefined> {
  return db.selectFrom('clients').selectAll().where('external_id', '=', externalId).executeTakeFirst() as Promise<ClientRecord | undefined>;
}

// ---- attributes -------------------------------------------------------------------------------------

export interface AttributeRecord {
  id: string;
  name: string;
  type: ClientAttributeType;
  created_at: Date;
}

export async function insertAttribute(db: Executor, name: string, type: ClientAttributeType): Promise<AttributeRecord | undefined> {
  return db
    .insertInto('client_attributes')
    .values({ name, type })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function listAttributes(db: Executor): Promise<AttributeRecord[]> {
  return db.selectFrom('client_attributes').selectAll().orderBy('name').execute();
}

export async function findAttribute(db: Executor, id: string): Promise<AttributeRecord | undefined> {
  return db.selectFrom('client_attributes').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function setAttributeValue(db: Executor, clientId: string, attributeId: string, value: unknown): Promise<void> {
  await db
    .insertInto('client_attribute_values')
    .values({ client_id: clientId, attribute_id: attributeId, value: JSON.stringify(value) })
    .onConflict((oc) => oc.columns(['client_id', 'attribute_id']).doUpdateSet({ value: JSON.stringify(value), updated_at: sql`now()` }))
    .execute();
}

export interface AttributeValueRecord {
  id: string;
  name: string;
  type: ClientAttributeType;
  value: unknown;
  updated_at: Date;
}

export async function listAttributeValues(db: Executor, clientId: string): Promise<AttributeValueRecord[]> {
  return db
    .selectFrom('client_attribute_values as v')
    .innerJoin('client_attributes as a', 'a.id', 'v.attribute_id')
    .select(['a.id', 'a.name', 'a.type', 'v.value', 'v.updated_at'])
    .where('v.client_id', '=', clientId)
    .orderBy('a.name')
    .execute() as Promise<AttributeValueRecord[]>;
}

// ---- tags -------------------------------------------------------------------------------------------

export type TagScope = 'client' | 'session';

export interface TagRecord {
  id: string;
  scope: TagScope;
  name: string;
  archived: boolean;
  created_at: Date;
}

export async function insertTag(db: Executor, scope: TagScope, name: string): Promise<TagRecord | undefined> {
  return db
    .insertInto('tags')
    .values({ scope, name })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function listTags(db: Executor, scope: TagScope, includeArchived: boolean): Promise<TagRecord[]> {
  let query = db.selectFrom('tags').selectAll().where('scope', '=', scope).orderBy('name');
  if (!includeArchived) query = query.where('archived', '=', false);
  return query.execute();
}

export async function findTag(db: Executor, scope: TagScope, idOrName: string): Promise<TagRecord | undefined> {
  return db
    .selectFrom('tags')
    .selectAll()
    .where('scope', '=', scope)
    .where((eb) => (/^[0-9a-f-]{36}$/i.test(idOrName) ? eb.or([eb('id', '=', idOrName), eb(sql`lower(name)`, '=', idOrName.toLowerCase())]) : eb(sql`lower(name)`, '=', idOrName.toLowerCase())))
    .executeTakeFirst();
}

/** Renames and/or archives; undefined when another tag of the scope has the name. */
export async function updateTag(db: Executor, id: string, changes: { name?: string; archived?: boolean }): Promise<TagRecord | undefined> {
  return db
    .updateTable('tags')
    .set(changes)
    .where('id', '=', id)
    .where((eb) =>
      changes.name === undefined
        ? sql<boolean>`true`
        : eb.not(eb.exists(eb.selectFrom('tags as other').select('other.id').whereRef('other.scope', '=', 'tags.scope').where('other.id', '<>', id).where(sql`lower(other.name)`, '=', changes.name.toLowerCase()))),
    )
    .returningAll()
    .executeTakeFirst();
}

export async function attachClientTag(db: Executor, clientId: string, tagId: string): Promise<void> {
  await db.insertInto('client_tags').values({ client_id: clientId, tag_id: tagId }).onConflict((oc) => oc.doNothing()).execute();
}

export async function detachClientTag(db: Executor, clientId: string, tagId: string): Promise<void> {
  await db.deleteFrom('client_tags').where('client_id', '=', clientId).where('tag_id', '=', tagId).execute();
}

export async function listClientTags(db: Executor, clientId: string): Promise<TagRecord[]> {
  return db.selectFrom('client_tags as ct').innerJoin('tags as t', 't.id', 'ct.tag_id').selectAll('t').where('ct.client_id', '=', clientId).where('t.archived', '=', false).orderBy('t.name').execute();
}

/** Ids of the communications of the clients carrying a tag (their documents show the tag's name). */
export async function communicationsOfTaggedClients(db: Executor, tagId: string): Promise<string[]> {
  const rows = await db.selectFrom('communications as c').innerJoin('client_tags as ct', 'ct.client_id', 'c.client_id').select('c.id').where('ct.tag_id', '=', tagId).execute();
  return rows.map((r) => r.id);
}

/** Replaces a session tag's name inside every communication's tags; returns the ids changed. */
export async function renameSessionTag(db: Executor, from: string, to: string): Promise<string[]> {
  const rows = await db
    .updateTable('communications')
    .set({ tags: sql`array_replace(tags, ${from}, ${to})`, updated_at: sql`now()` })
    .where(sql<boolean>`tags @> ARRAY[${from}]::text[]`)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function addCommunicationTag(db: Executor, communicationId: string, tag: string): Promise<string[] | undefined> {
  const row = await db
    .updateTable('communications')
    .set({ tags: sql`CASE WHEN tags @> ARRAY[${tag}]::text[] THEN tags ELSE tags || ARRAY[${tag}]::text[] END`, updated_at: sql`now()` })
    .where('id', '=', communicationId)
    .returning('tags')
    .executeTakeFirst();
  return row?.tags;
}

export async function removeCommunicationTag(db: Executor, communicationId: string, tag: string): Promise<string[] | undefined> {
  const row = await db.updateTable('communications').set({ tags: sql`array_remove(tags, ${tag})`, updated_at: sql`now()` }).where('id', '=', communicationId).returning('tags').executeTakeFirst();
  return row?.tags;
}

// ---- the card and merging ---------------------------------------------------------------------------

export async function communicationIdsOfClient(db: Executor, clientId: string): Promise<string[]> {
  return (await db.selectFrom('communications').select('id').where('client_id', '=', clientId).execute()).map((r) => r.id);
}

/** Other clients sharing any phone number with this one. */
export async function clientsSharingPhones(db: Executor, client: ClientRecord): Promise<Array<{ external_id: string; phones: string[] }>> {
  if (client.phones.length === 0) return [];
  return db
    .selectFrom('clients')
    .select(['external_id', 'phones'])
    .where('id', '<>', client.id)
    .where(sql<boolean>`phones && ${client.phones}::text[]`)
    .orderBy('external_id')
    .limit(50)
    .execute();
}

/**
 * Moves everything of `from` onto `into`: communications, phones, names it lacks, tags, attribute values
 * `into` has none of; `from` becomes an alias of `into` (and so do its own aliases). Returns the attributes
 * both had with different values (`into`'s kept).
 */
export async function mergeClients(db: Executor, into: ClientRecord, from: ClientRecord): Promise<Array<{ attribute: string; kept: unknown; dropped: unknown }>> {
  const { rows: conflicts } = await sql<{ attribute: string; kept: unknown; dropped: unknown }>`
    SELECT a.name AS attribute, i.value AS kept, f.value AS dropped
    FROM client_attribute_values f
    JOIN client_attribute_values i ON i.attribute_id = f.attribute_id AND i.client_id = ${into.id}
    JOIN client_attributes a ON a.id = f.attribute_id
    WHERE f.client_id = ${from.id} AND i.value <> f.value
    ORDER BY a.name`.execute(db);
  await sql`
    INSERT INTO client_attribute_values (client_id, attribute_id, value, updated_at)
    SELECT ${into.id}, attribute_id, value, updated_at FROM client_attribute_values WHERE client_id = ${from.id}
    ON CONFLICT (client_id, attribute_id) DO NOTHING`.execute(db);
  await sql`
    INSERT INTO client_tags (client_id, tag_id, created_at)
    SELECT ${into.id}, tag_id, created_at FROM client_tags WHERE client_id = ${from.id}
    ON CONFLICT DO NOTHING`.execute(db);
  await db.updateTable('communications').set({ client_id: into.id }).where('client_id', '=', from.id).execute();
  await db
    .updateTable('clients')
    .set({
      first_name: into.first_name ?? from.first_name,
      last_name: into.last_name ?? from.last_name,
      company_name: into.company_name ?? from.company_name,
      phones: sql`array(SELECT DISTINCT p FROM unnest(${[...into.phones, ...from.phones]}::text[]) AS p ORDER BY p)`,
      updated_at: sql`now()`,
    })
    .where('id', '=', into.id)
    .execute();
  await db.updateTable('client_aliases').set({ client_id: into.id }).where('client_id', '=', from.id).execute();
  await db.deleteFrom('clients').where('id', '=', from.id).execute();
  await db.insertInto('client_aliases').values({ external_id: from.external_id, client_id: into.id }).execute();
  return conflicts;
}
