// Clients addressed by external id (through the aliases of merged clients), their attribute values and
// tags, what their card shows, and merging two of them.
import { sql } from 'kysely';
import type { ClientAttributeType } from '../../domain/client-attributes.js';
import type { AccessScope } from '../../domain/access-scope.js';
import type { Executor } from './executor.js';
import { communicationReadable, ownedInScope, visibleInScope } from './scope.js';

export interface ClientRecord {
  id: string;
  integration_id: string | null;
  external_id: string;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
  phones: string[];
  created_at: Date;
  updated_at: Date;
}

const CLIENT_COLUMNS = ['id', 'integration_id', 'external_id', 'first_name', 'last_name', 'company_name', 'phones', 'created_at', 'updated_at'] as const;

export interface ClientValues {
  external_id: string;
  first_name?: string | null;
  last_name?: string | null;
  company_name?: string | null;
  phone?: string | null;
}

/**
 * The clients of the scope an external id names: the client of that id, or the one it was merged into (an
 * alias counts within its own integration). Several only for a scope of several integrations.
 */
export async function findClientsByExternalId(db: Executor, access: AccessScope, externalId: string): Promise<ClientRecord[]> {
  return db
    .selectFrom('clients')
    .select(CLIENT_COLUMNS)
    .where(ownedInScope('integration_id', access))
    .where('id', 'in', (eb) => eb.selectFrom('clients as named').select('named.id').where('named.external_id', '=', externalId).union(eb.selectFrom('client_aliases as a').select('a.client_id as id').where('a.external_id', '=', externalId)))
    .orderBy('integration_id')
    .execute();
}

/** The external id a client of this integration is stored under: itself, or the client it was merged into. */
export async function resolveExternalId(db: Executor, integrationId: string, externalId: string): Promise<string> {
  const row = await db
    .selectFrom('client_aliases as a')
    .innerJoin('clients as c', 'c.id', 'a.client_id')
    .select('c.external_id')
    .where('a.integration_id', '=', integrationId)
    .where('a.external_id', '=', externalId)
    .executeTakeFirst();
  return row?.external_id ?? externalId;
}

/** All aliases as integration → alias → external id of the client it now names (few: one per merge). */
export async function listAliases(db: Executor): Promise<Map<string, Map<string, string>>> {
  const rows = await db
    .selectFrom('client_aliases as a')
    .innerJoin('clients as c', 'c.id', 'a.client_id')
    .select(['c.integration_id', 'a.external_id as alias', 'c.external_id'])
    .where('c.integration_id', 'is not', null)
    .execute();
  const byIntegration = new Map<string, Map<string, string>>();
  for (const row of rows) {
    const aliases = byIntegration.get(row.integration_id!) ?? new Map<string, string>();
    aliases.set(row.alias, row.external_id);
    byIntegration.set(row.integration_id!, aliases);
  }
  return byIntegration;
}

/** Creates the integration's client on first sight; later sightings fill names and add phones. */
export async function upsertClient(db: Executor, integrationId: string, values: ClientValues): Promise<ClientRecord> {
  const phones = values.phone ? [values.phone] : [];
  return db
    .insertInto('clients')
    .values({ integration_id: integrationId, external_id: values.external_id, first_name: values.first_name ?? null, last_name: values.last_name ?? null, company_name: values.company_name ?? null, phones })
    .onConflict((oc) =>
      oc.columns(['integration_id', 'external_id']).doUpdateSet({
        first_name: sql`coalesce(excluded.first_name, clients.first_name)`,
        last_name: sql`coalesce(excluded.last_name, clients.last_name)`,
        company_name: sql`coalesce(excluded.company_name, clients.company_name)`,
        phones: sql`array(SELECT DISTINCT p FROM unnest(clients.phones || excluded.phones) AS p ORDER BY p)`,
        updated_at: sql`now()`,
      }),
    )
    .returning(CLIENT_COLUMNS)
    .executeTakeFirstOrThrow();
}

// ---- attributes -------------------------------------------------------------------------------------

export interface AttributeRecord {
  id: string;
  integration_id: string | null;
  name: string;
  type: ClientAttributeType;
  created_at: Date;
}

const ATTRIBUTE_COLUMNS = ['id', 'integration_id', 'name', 'type', 'created_at'] as const;

/** Undefined when the name is taken (attribute names are one namespace: search filters name them). */
export async function insertAttribute(db: Executor, owner: string | null, name: string, type: ClientAttributeType): Promise<AttributeRecord | undefined> {
  return db
    .insertInto('client_attributes')
    .values({ integration_id: owner, name, type })
    .onConflict((oc) => oc.doNothing())
    .returning(ATTRIBUTE_COLUMNS)
    .executeTakeFirst();
}

export async function listAttributes(db: Executor, access: AccessScope): Promise<AttributeRecord[]> {
  return db.selectFrom('client_attributes').select(ATTRIBUTE_COLUMNS).where(visibleInScope('integration_id', access)).orderBy('name').execute();
}

export async function findAttribute(db: Executor, access: AccessScope, id: string): Promise<AttributeRecord | undefined> {
  return db.selectFrom('client_attributes').select(ATTRIBUTE_COLUMNS).where('id', '=', id).where(visibleInScope('integration_id', access)).executeTakeFirst();
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
  integration_id: string | null;
  scope: TagScope;
  name: string;
  archived: boolean;
  created_at: Date;
}

const TAG_COLUMNS = ['id', 'integration_id', 'scope', 'name', 'archived', 'created_at'] as const;

/** The owners whose tag names a tag of `owner` must not repeat: its own and the shared ones; for a shared tag, all. */
const nameClashScope = (owner: string | null): AccessScope => (owner === null ? { kind: 'all' } : { kind: 'integrations', ids: [owner] });

/** Undefined when the owner's tags or the shared ones (any tag, for a shared one) have the name. */
export async function insertTag(db: Executor, owner: string | null, scope: TagScope, name: string): Promise<TagRecord | undefined> {
  return db
    .insertInto('tags')
    .columns(['integration_id', 'scope', 'name'])
    .expression(
      db
        .selectNoFrom([sql<string | null>`${owner}::uuid`.as('integration_id'), sql<TagScope>`${scope}`.as('scope'), sql<string>`${name}`.as('name')])
        .where((eb) => eb.not(eb.exists(eb.selectFrom('tags').select('id').where('scope', '=', scope).where(sql`lower(name)`, '=', name.toLowerCase()).where(visibleInScope('integration_id', nameClashScope(owner)))))),
    )
    .onConflict((oc) => oc.doNothing())
    .returning(TAG_COLUMNS)
    .executeTakeFirst();
}

export async function listTags(db: Executor, access: AccessScope, scope: TagScope, includeArchived: boolean): Promise<TagRecord[]> {
  let query = db.selectFrom('tags').select(TAG_COLUMNS).where('scope', '=', scope).where(visibleInScope('integration_id', access)).orderBy('name').orderBy('integration_id');
  if (!includeArchived) query = query.where('archived', '=', false);
  return query.execute();
}

/** The tags of the scope an id or a name names (several only for a scope of several integrations). */
export async function findTags(db: Executor, access: AccessScope, scope: TagScope, idOrName: string): Promise<TagRecord[]> {
  return db
    .selectFrom('tags')
    .select(TAG_COLUMNS)
    .where('scope', '=', scope)
    .where(visibleInScope('integration_id', access))
    .where((eb) => (/^[0-9a-f-]{36}$/i.test(idOrName) ? eb.or([eb('id', '=', idOrName), eb(sql`lower(name)`, '=', idOrName.toLowerCase())]) : eb(sql`lower(name)`, '=', idOrName.toLowerCase())))
    .orderBy('integration_id')
    .execute();
}

/** Renames and/or archives; undefined when a tag the name would clash with (see insertTag) has the name. */
export async function updateTag(db: Executor, tag: TagRecord, changes: { name?: string; archived?: boolean }): Promise<TagRecord | undefined> {
  const name = changes.name;
  return db
    .updateTable('tags')
    .set(changes)
    .where('id', '=', tag.id)
    .where((eb) =>
      name === undefined
        ? sql<boolean>`true`
        : eb.not(eb.exists(eb.selectFrom('tags as other').select('other.id').where('other.scope', '=', tag.scope).where('other.id', '<>', tag.id).where(sql`lower(other.name)`, '=', name.toLowerCase()).where(visibleInScope('other.integration_id', nameClashScope(tag.integration_id))))),
    )
    .returning(TAG_COLUMNS)
    .executeTakeFirst();
}

export async function attachClientTag(db: Executor, clientId: string, tagId: string): Promise<void> {
  await db.insertInto('client_tags').values({ client_id: clientId, tag_id: tagId }).onConflict((oc) => oc.doNothing()).execute();
}

export async function detachClientTag(db: Executor, clientId: string, tagId: string): Promise<void> {
  await db.deleteFrom('client_tags').where('client_id', '=', clientId).where('tag_id', '=', tagId).execute();
}

export async function listClientTags(db: Executor, clientId: string): Promise<TagRecord[]> {
  return db.selectFrom('client_tags as ct').innerJoin('tags as t', 't.id', 'ct.tag_id').select(TAG_COLUMNS.map((c) => `t.${c}` as const)).where('ct.client_id', '=', clientId).where('t.archived', '=', false).orderBy('t.name').execute();
}

/** Ids of the communications of the clients carrying a tag (their documents show the tag's name). */
export async function communicationsOfTaggedClients(db: Executor, tagId: string): Promise<string[]> {
  const rows = await db.selectFrom('communications as c').innerJoin('client_tags as ct', 'ct.client_id', 'c.client_id').select('c.id').where('ct.tag_id', '=', tagId).execute();
  return rows.map((r) => r.id);
}

/** Replaces a session tag's name inside the communications of the scope; returns the ids changed. */
export async function renameSessionTag(db: Executor, access: AccessScope, from: string, to: string): Promise<string[]> {
  const rows = await db
    .updateTable('communications')
    .set({ tags: sql`array_replace(tags, ${from}, ${to})`, updated_at: sql`now()` })
    .where(sql<boolean>`tags @> ARRAY[${from}]::text[]`)
    .where(ownedInScope('integration_id', access))
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** The integration of a communication of the scope; undefined when there is none with this id in the scope. */
export async function findCommunicationIntegration(db: Executor, access: AccessScope, communicationId: string): Promise<string | undefined> {
  const row = await db.selectFrom('communications').select('integration_id').where('id', '=', communicationId).where(communicationReadable(access)).executeTakeFirst();
  return row?.integration_id;
}

export async function addCommunicationTag(db: Executor, access: AccessScope, communicationId: string, tag: string): Promise<string[] | undefined> {
  const row = await db
    .updateTable('communications')
    .set({ tags: sql`CASE WHEN tags @> ARRAY[${tag}]::text[] THEN tags ELSE tags || ARRAY[${tag}]::text[] END`, updated_at: sql`now()` })
    .where('id', '=', communicationId)
    .where(communicationReadable(access))
    .returning('tags')
    .executeTakeFirst();
  return row?.tags;
}

export async function removeCommunicationTag(db: Executor, access: AccessScope, communicationId: string, tag: string): Promise<string[] | undefined> {
  const row = await db
    .updateTable('communications')
    .set({ tags: sql`array_remove(tags, ${tag})`, updated_at: sql`now()` })
    .where('id', '=', communicationId)
    .where(communicationReadable(access))
    .returning('tags')
    .executeTakeFirst();
  return row?.tags;
}

// ---- the card and merging ---------------------------------------------------------------------------

export async function communicationIdsOfClient(db: Executor, clientId: string): Promise<string[]> {
  return (await db.selectFrom('communications').select('id').where('client_id', '=', clientId).execute()).map((r) => r.id);
}

/** Other clients of the scope sharing any phone number with this one. */
export async function clientsSharingPhones(db: Executor, access: AccessScope, client: ClientRecord): Promise<Array<{ external_id: string; integration_id: string | null; phones: string[] }>> {
  if (client.phones.length === 0) return [];
  return db
    .selectFrom('clients')
    .select(['external_id', 'integration_id', 'phones'])
    .where('id', '<>', client.id)
    .where(ownedInScope('integration_id', access))
    .where(sql<boolean>`phones && ${client.phones}::text[]`)
    .orderBy('external_id')
    .limit(50)
    .execute();
}

/**
 * Moves everything of `from` onto `into` (clients of one integration): communications, phones, names it lacks, tags, attribute values
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
  await db.insertInto('client_aliases').values({ integration_id: into.integration_id, external_id: from.external_id, client_id: into.id }).execute();
  return conflicts;
}
