// Use cases of client cards: typed attributes, client and session tag dictionaries and their assignment,
// the card, and merging two clients. Whatever changes what a communication's search document shows
// (client tags, attributes, session tags) queues those communications for re-indexing in the same transaction.
import { coerceAttributeValue, clientAttributeKey, type ClientAttributeType } from '../domain/client-attributes.js';
import { integrationScope, soleIntegration, type AccessScope } from '../domain/access-scope.js';
import { Conflict, IntegrationRequired, NotFound, SharedEntryReadonly, Unprocessable } from '../domain/errors.js';
import {
  addCommunicationTag,
  attachClientTag,
  clientsSharingPhones,
  communicationIdsOfClient,
  communicationsOfTaggedClients,
  detachClientTag,
  findAttribute,
  findClientsByExternalId,
  findCommunicationIntegration,
  findTags,
  insertAttribute,
  insertTag,
  listAttributes,
  listAttributeValues,
  listClientTags,
  listTags,
  mergeClients,
  removeCommunicationTag,
  renameSessionTag,
  setAttributeValue,
  updateTag,
  upsertClient,
  type ClientRecord,
  type TagRecord,
  type TagScope,
} from '../db/repositories/clients.js';
import { findCommunicationSummaries } from '../db/repositories/communications.js';
import type { Executor } from '../db/repositories/executor.js';
import { enqueue } from '../db/repositories/outbox.js';

const reindex = (db: Executor, ids: string[]) => enqueue(db, ids.map((id) => ({ topic: 'search' as const, key: id, payload: { communication_id: id } })));

const tagView = (t: TagRecord) => ({ id: t.id, tag: t.name, integration_id: t.integration_id, archived: t.archived, created_at: t.created_at.toISOString() });

/** The scope of one row's owner: its integration's entries and the shared ones (a row owned by none: shared only). */
const ownerScope = (integrationId: string | null): AccessScope => integrationScope(...(integrationId === null ? [] : [integrationId]));

export class Clients {
  constructor(
    private readonly db: Executor,
    /** Called after an attribute is defined: the search engine may need it as a filterable attribute. */
    private readonly attributesChanged: () => Promise<unknown>,
    /** Called after a merge: call ingestion maps the merged-away external id from then on. */
    private readonly aliasesChanged: () => void,
  ) {}

  // ---- attributes ---------------------------------------------------------------------------------

  /** An integration's token defines the integration's own attribute; the admin token a shared one (or, naming an integration, that one's). */
  async defineAttribute(access: AccessScope, name: string, type: ClientAttributeType) {
    const row = await insertAttribute(this.db, this.owner(access), name, type);
    if (!row) throw new Conflict('attribute_exists', `a client attribute named "${name}" exists (names are case-insensitive)`, [{ path: 'name', code: 'attribute_exists', message: 'taken' }]);
    await this.attributesChanged();
    return { id: row.id, name: row.name, type: row.type, integration_id: row.integration_id };
  }

  async listAttributes(access: AccessScope) {
    return (await listAttributes(this.db, access)).map((a) => ({ id: a.id, name: a.name, type: a.type, integration_id: a.integration_id, filter_field: `client.attr.${a.name}`, search_attribute: clientAttributeKey(a.id) }));
  }

  async setAttribute(access: AccessScope, clientExternalId: string, attributeId: string, value: unknown) {
    const attribute = /^[0-9a-f-]{36}$/i.test(attributeId) ? await findAttribute(this.db, access, attributeId) : undefined;
    if (!attribute) throw new NotFound('client attribute', 'attribute_not_found');
    const coerced = coerceAttributeValue(attribute.type, value);
    if (!coerced.ok) throw new Unprocessable('invalid_attribute_value', `${attribute.name} is a ${attribute.type}: ${coerced.message}`, [{ path: 'value', code: 'invalid_attribute_value', message: coerced.message }]);
    return this.db.transaction().execute(async (trx) => {
      const client = await this.clientOrNew(trx, access, clientExternalId);
      // Another integration's attribute is not there for this client, exactly as a missing one.
      if (!(await findAttribute(trx, ownerScope(client.integration_id), attribute.id))) throw new NotFound('client attribute', 'attribute_not_found');
      await setAttributeValue(trx, client.id, attribute.id, coerced.value);
      await reindex(trx, await communicationIdsOfClient(trx, client.id));
      return { client_id: client.external_id, attribute_id: attribute.id, name: attribute.name, type: attribute.type, value: coerced.value };
    });
  }

  async clientAttributes(access: AccessScope, clientExternalId: string) {
    const client = await this.client(this.db, access, clientExternalId);
    return (await listAttributeValues(this.db, client.id)).map((v) => ({ id: v.id, name: v.name, type: v.type, value: v.value, updated_at: v.updated_at.toISOString() }));
  }

  // ---- tag dictionaries ---------------------------------------------------------------------------

  async createTag(access: AccessScope, scope: TagScope, name: string) {
    const row = await insertTag(this.db, this.owner(access), scope, name);
    if (!row) throw new Conflict('tag_exists', `a ${scope} tag named "${name}" exists (names are case-insensitive)`, [{ path: 'tag', code: 'tag_exists', message: 'taken' }]);
    return tagView(row);
  }

  async listTags(access: AccessScope, scope: TagScope, includeArchived = false) {
    return (await listTags(this.db, access, scope, includeArchived)).map(tagView);
  }

  /** Renames or archives a tag; the documents showing it are re-indexed. Shared tags change only with the admin token. */
  async updateTag(access: AccessScope, scope: TagScope, idOrName: string, changes: { tag?: string | undefined; archived?: boolean | undefined }) {
    return this.db.transaction().execute(async (trx) => {
      const tag = this.one(await findTags(trx, access, scope, idOrName), () => new NotFound(`${scope} tag`, 'tag_not_found'), `${scope} tag "${idOrName}"`);
      if (tag.integration_id === null && access.kind !== 'all') throw new SharedEntryReadonly(`${scope} tag "${tag.name}"`);
      const updated = await updateTag(trx, tag, { ...(changes.tag !== undefined ? { name: changes.tag } : {}), ...(changes.archived !== undefined ? { archived: changes.archived } : {}) });
      if (!updated) throw new Conflict('tag_exists', `a ${scope} tag named "${changes.tag}" exists`, [{ path: 'tag', code: 'tag_exists', message: 'taken' }]);
      const affected =
        scope === 'client'
          ? await communicationsOfTaggedClients(trx, tag.id)
          : changes.tag !== undefined && changes.tag !== tag.name
            ? await renameSessionTag(trx, tag.integration_id === null ? { kind: 'all' } : ownerScope(tag.integration_id), tag.name, changes.tag)
            : [];
      await reindex(trx, affected);
      return tagView(updated);
    });
  }

  // ---- assignment ---------------------------------------------------------------------------------

  async tagClient(access: AccessScope, clientExternalId: string, tagName: string, attach: boolean) {
    return this.db.transaction().execute(async (trx) => {
      const client = attach ? await this.clientOrNew(trx, access, clientExternalId) : await this.client(trx, access, clientExternalId);
      const tag = await this.activeTag(trx, ownerScope(client.integration_id), 'client', tagName);
      await (attach ? attachClientTag(trx, client.id, tag.id) : detachClientTag(trx, client.id, tag.id));
      await reindex(trx, await communicationIdsOfClient(trx, client.id));
      return { client_id: client.external_id, tags: (await listClientTags(trx, client.id)).map((t) => t.name) };
    });
  }

  async tagCommunication(access: AccessScope, communicationId: string, tagName: string, attach: boolean) {
    return this.db.transaction().execute(async (trx) => {
      const integrationId = /^[0-9a-f-]{36}$/i.test(communicationId) ? await findCommunicationIntegration(trx, access, communicationId) : undefined;
      if (integrationId === undefined) throw new NotFound('communication', 'communication_not_found');
      const tag = attach ? await this.activeTag(trx, ownerScope(integrationId), 'session', tagName) : { name: tagName };
      const tags = await (attach ? addCommunicationTag(trx, access, communicationId, tag.name) : removeCommunicationTag(trx, access, communicationId, tag.name));
      if (!tags) throw new NotFound('communication', 'communication_not_found');
      await reindex(trx, [communicationId]);
      return { id: communicationId, tags };
    });
  }

  // ---- the card and merging -----------------------------------------------------------------------

  async card(access: AccessScope, clientExternalId: string, recent = 20) {
    const client = await this.client(this.db, access, clientExternalId);
    const [attributes, tags, linked, communications] = await Promise.all([
      listAttributeValues(this.db, client.id),
      listClientTags(this.db, client.id),
      clientsSharingPhones(this.db, access, client),
      findCommunicationSummaries(this.db, access, client.id, recent),
    ]);
    // A supervisor or operator user sees the card of a client it has a communication with, and only those.
    if (access.operatorIds !== undefined && communications.length === 0) throw new NotFound('client', 'client_not_found');
    return {
      id: client.external_id,
      integration_id: client.integration_id,
      first_name: client.first_name,
      last_name: client.last_name,
      company_name: client.company_name,
      phones: client.phones,
      attributes: attributes.map((v) => ({ id: v.id, name: v.name, type: v.type, value: v.value })),
      tags: tags.map((t) => t.name),
      linked_clients: linked.map((l) => ({ id: l.external_id, integration_id: l.integration_id, shared_phones: l.phones.filter((p) => client.phones.includes(p)) })),
      recent_communications: communications.map((c) => ({ id: c.id, kind: c.kind, uid: c.uid, channel: c.channel, direction: c.direction, started_at: c.started_at.toISOString(), duration: c.duration_s, tags: c.tags })),
      created_at: client.created_at.toISOString(),
    };
  }

  /** Merges `fromExternalId` into `intoExternalId` (clients of one integration), keeping everything; later posts naming either land on the result. */
  async merge(access: AccessScope, intoExternalId: string, fromExternalId: string) {
    const merged = await this.db.transaction().execute(async (trx) => {
      const into = await this.client(trx, access, intoExternalId);
      const from = await this.client(trx, access, fromExternalId);
      if (into.id === from.id) throw new Unprocessable('merge_same_client', 'a client cannot be merged into itself', [{ path: 'client_id', code: 'merge_same_client', message: 'the same client' }]);
      if (into.integration_id !== from.integration_id) throw new Unprocessable('merge_across_integrations', 'the clients belong to different integrations; only clients of one integration merge', [{ path: 'client_id', code: 'merge_across_integrations', message: 'another integration' }]);
      const moved = await communicationIdsOfClient(trx, from.id);
      const conflicts = await mergeClients(trx, into, from);
      await reindex(trx, [...moved, ...(await communicationIdsOfClient(trx, into.id))]);
      return { id: into.external_id, integration_id: into.integration_id, merged: from.external_id, communications_moved: moved.length, attribute_conflicts: conflicts };
    });
    this.aliasesChanged();
    return merged;
  }

  /** The integration new entries of this scope belong to: the token's own, or none (shared) for the admin token. */
  private owner(access: AccessScope): string | null {
    return soleIntegration(access) ?? null;
  }

  /** One entry of the matches; several (the admin token, an id several integrations have) need `?integration_id=`. */
  private one<T>(matches: T[], missing: () => Error, what: string): T {
    if (matches.length === 0) throw missing();
    if (matches.length > 1) throw new IntegrationRequired(`${what} exists in several integrations; say which with ?integration_id=`);
    return matches[0]!;
  }

  private async client(db: Executor, access: AccessScope, externalId: string): Promise<ClientRecord> {
    return this.one(await findClientsByExternalId(db, access, externalId), () => new NotFound('client', 'client_not_found'), `client "${externalId}"`);
  }

  /** The client of the scope, created on first sight in the scope's one integration. */
  private async clientOrNew(db: Executor, access: AccessScope, externalId: string): Promise<ClientRecord> {
    const found = await findClientsByExternalId(db, access, externalId);
    if (found.length > 0) return this.one(found, () => new NotFound('client', 'client_not_found'), `client "${externalId}"`);
    const integrationId = soleIntegration(access);
    if (integrationId === undefined) throw new IntegrationRequired(`client "${externalId}" does not exist; the admin token creates a client only in a named integration (?integration_id=)`);
    return upsertClient(db, integrationId, { external_id: externalId });
  }

  private async activeTag(db: Executor, access: AccessScope, scope: TagScope, name: string): Promise<TagRecord> {
    const matches = await findTags(db, access, scope, name);
    const tag = matches.find((t) => t.integration_id !== null) ?? matches[0];
    if (!tag) throw new Unprocessable('tag_not_found', `no ${scope} tag "${name}"; create it first`, [{ path: 'tag', code: 'tag_not_found', message: 'unknown tag' }]);
    if (tag.archived) throw new Unprocessable('tag_archived', `the ${scope} tag "${tag.name}" is archived`, [{ path: 'tag', code: 'tag_archived', message: 'archived' }]);
    return tag;
  }
}
