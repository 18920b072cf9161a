// Use cases of client cards: typed attributes, client and session tag dictionaries and their assignment,
// the card, and merging two clients. Whatever changes what a communication's search document shows
// (client tags, attributes, session tags) queues those communications for re-indexing in the same transaction.
import { coerceAttributeValue, clientAttributeKey, type ClientAttributeType } from '../domain/client-attributes.js';
import { Conflict, NotFound, Unprocessable } from '../domain/errors.js';
import {
  addCommunicationTag,
  attachClientTag,
  clientsSharingPhones,
  communicationIdsOfClient,
  communicationsOfTaggedClients,
  detachClientTag,
  findAttribute,
  findClient,
  findTag,
  insertAttribute,
  insertTag,
  listAttributes,
  listAttributeValues,
  listClientTags,
  listTags,
  mergeClients,
  removeCommunicationTag,
  renameSessionTag,
  resolveExternalId,
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

const tagView = (t: TagRecord) => ({ id: t.id, tag: t.name, archived: t.archived, created_at: t.created_at.toISOString() });

export class Clients {
  constructor(
    private readonly db: Executor,
    /** Called after an attribute is defined: the search engine may need it as a filterable attribute. */
    private readonly attributesChanged: () => Promise<unknown>,
    /** Called after a merge: call ingestion maps the merged-away external id from then on. */
    private readonly aliasesChanged: () => void,
  ) {}

  // ---- attributes ---------------------------------------------------------------------------------

  async defineAttribute(name: string, type: ClientAttributeType) {
    const row = await insertAttribute(this.db, name, type);
    if (!row) throw new Conflict('attribute_exists', `a client attribute named "${name}" exists (names are case-insensitive)`, [{ path: 'name', code: 'attribute_exists', message: 'taken' }]);
    await this.attributesChanged();
    return { id: row.id, name: row.name, type: row.type };
  }

  async listAttributes() {
    return (await listAttributes(this.db)).map((a) => ({ id: a.id, name: a.name, type: a.type, filter_field: `client.attr.${a.name}`, search_attribute: clientAttributeKey(a.id) }));
  }

  async setAttribute(clientExternalId: string, attributeId: string, value: unknown) {
    const attribute = /^[0-9a-f-]{36}$/i.test(attributeId) ? await findAttribute(this.db, attributeId) : undefined;
    if (!attribute) throw new NotFound('client attribute', 'attribute_not_found');
    const coerced = coerceAttributeValue(attribute.type, value);
    if (!coerced.ok) throw new Unprocessable('invalid_attribute_value', `${attribute.name} is a ${attribute.type}: ${coerced.message}`, [{ path: 'value', code: 'invalid_attribute_value', message: coerced.message }]);
    return this.db.transaction().execute(async (trx) => {
      const client = await upsertClient(trx, { external_id: await resolveExternalId(trx, clientExternalId) });
      await setAttributeValue(trx, client.id, attribute.id, coerced.value);
      await reindex(trx, await communicationIdsOfClient(trx, client.id));
      return { client_id: client.external_id, attribute_id: attribute.id, name: attribute.name, type: attribute.type, value: coerced.value };
    });
  }

  async clientAttributes(clientExternalId: string) {
    const client = await this.client(clientExternalId);
    return (await listAttributeValues(this.db, client.id)).map((v) => ({ id: v.id, name: v.name, type: v.type, value: v.value, updated_at: v.updated_at.toISOString() }));
  }

  // ---- tag dictionaries ---------------------------------------------------------------------------

  async createTag(scope: TagScope, name: string) {
    const row = await insertTag(this.db, scope, name);
    if (!row) throw new Conflict('tag_exists', `a ${scope} tag named "${name}" exists (names are case-insensitive)`, [{ path: 'tag', code: 'tag_exists', message: 'taken' }]);
    return tagView(row);
  }

  async listTags(scope: TagScope, includeArchived = false) {
    return (await listTags(this.db, scope, includeArchived)).map(tagView);
  }

  /** Renames or archives a tag; the documents showing it are re-indexed. */
  async updateTag(scope: TagScope, idOrName: string, changes: { tag?: string | undefined; archived?: boolean | undefined }) {
    return this.db.transaction().execute(async (trx) => {
      const tag = await findTag(trx, scope, idOrName);
      if (!tag) throw new NotFound(`${scope} tag`, 'tag_not_found');
      const updated = await updateTag(trx, tag.id, { ...(changes.tag !== undefined ? { name: changes.tag } : {}), ...(changes.archived !== undefined ? { archived: changes.archived } : {}) });
      if (!updated) throw new Conflict('tag_exists', `a ${scope} tag named "${changes.tag}" exists`, [{ path: 'tag', code: 'tag_exists', message: 'taken' }]);
      const affected = scope === 'client' ? await communicationsOfTaggedClients(trx, tag.id) : changes.tag !== undefined && changes.tag !== tag.name ? await renameSessionTag(trx, tag.name, changes.tag) : [];
      await reindex(trx, affected);
      return tagView(updated);
    });
  }

  // ---- assignment ---------------------------------------------------------------------------------

  async tagClient(clientExternalId: string, tagName: string, attach: boolean) {
    return this.db.transaction().execute(async (trx) => {
      const tag = await this.activeTag(trx, 'client', tagName);
      const client = attach ? await upsertClient(trx, { external_id: await resolveExternalId(trx, clientExternalId) }) : await this.client(clientExternalId, trx);
      await (attach ? attachClientTag(trx, client.id, tag.id) : detachClientTag(trx, client.id, tag.id));
      await reindex(trx, await communicationIdsOfClient(trx, client.id));
      return { client_id: client.external_id, tags: (await listClientTags(trx, client.id)).map((t) => t.name) };
    });
  }

  async tagCommunication(communicationId: string, tagName: string, attach: boolean) {
    return this.db.transaction().execute(async (trx) => {
      const tag = attach ? await this.activeTag(trx, 'session', tagName) : { name: tagName };
      const tags = /^[0-9a-f-]{36}$/i.test(communicationId) ? await (attach ? addCommunicationTag(trx, communicationId, tag.name) : removeCommunicationTag(trx, communicationId, tag.name)) : undefined;
      if (!tags) throw new NotFound('communication', 'communication_not_found');
      await reindex(trx, [communicationId]);
      return { id: communicationId, tags };
    });
  }

  // ---- the card and merging -----------------------------------------------------------------------

  async card(clientExternalId: string, recent = 20) {
    const client = await this.client(clientExternalId);
    const [attributes, tags, linked, communications] = await Promise.all([
      listAttributeValues(this.db, client.id),
      listClientTags(this.db, client.id),
      clientsSharingPhones(this.db, client),
      findCommunicationSummaries(this.db, client.id, recent),
    ]);
    return {
      id: client.external_id,
      first_name: client.first_name,
      last_name: client.last_name,
      company_name: client.company_name,
      phones: client.phones,
      attributes: attributes.map((v) => ({ id: v.id, name: v.name, type: v.type, value: v.value })),
      tags: tags.map((t) => t.name),
      linked_clients: linked.map((l) => ({ id: l.external_id, shared_phones: l.phones.filter((p) => client.phones.includes(p)) })),
      recent_communications: communications.map((c) => ({ id: c.id, kind: c.kind, uid: c.uid, channel: c.channel, direction: c.direction, started_at: c.started_at.toISOString(), duration: c.duration_s, tags: c.tags })),
      created_at: client.created_at.toISOString(),
    };
  }

  /** Merges `fromExternalId` into `intoExternalId`, keeping everything; later posts naming either land on the result. */
  async merge(intoExternalId: string, fromExternalId: string) {
    const merged = await this.db.transaction().execute(async (trx) => {
      const into = await this.client(intoExternalId, trx);
      const from = await this.client(fromExternalId, trx);
      if (into.id === from.id) throw new Unprocessable('merge_same_client', 'a client cannot be merged into itself', [{ path: 'client_id', code: 'merge_same_client', message: 'the same client' }]);
      const moved = await communicationIdsOfClient(trx, from.id);
      const conflicts = await mergeClients(trx, into, from);
      await reindex(trx, [...moved, ...(await communicationIdsOfClient(trx, into.id))]);
      return { id: into.external_id, merged: from.external_id, communications_moved: moved.length, attribute_conflicts: conflicts };
    });
    this.aliasesChanged();
    return merged;
  }

  private async client(externalId: string, db: Executor = this.db): Promise<ClientRecord> {
    const client = await findClient(db, await resolveExternalId(db, externalId));
    if (!client) throw new NotFound('client', 'client_not_found');
    return client;
  }

  private async activeTag(db: Executor, scope: TagScope, name: string): Promise<TagRecord> {
    const tag = await findTag(db, scope, name);
    if (!tag) throw new Unprocessable('tag_not_found', `no ${scope} tag "${name}"; create it first`, [{ path: 'tag', code: 'tag_not_found', message: 'unknown tag' }]);
    if (tag.archived) throw new Unprocessable('tag_archived', `the ${scope} tag "${tag.name}" is archived`, [{ path: 'tag', code: 'tag_archived', message: 'archived' }]);
    return tag;
  }
}
