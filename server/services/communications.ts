// Use cases: read one communication, and search them through the configured search engine — both within the
// caller's AccessScope: the record, its transcript, media URL and deliveries, and every search hit and total.
import { listMessages } from '../db/repositories/chats.js';
import { listDeliveries } from '../db/repositories/crm.js';
import { listAttributes } from '../db/repositories/clients.js';
import { ALL_INTEGRATIONS, type AccessScope } from '../domain/access-scope.js';
import { NotFound, Unavailable } from '../domain/errors.js';
import { parseFilter } from '../domain/filters.js';
import { DEFAULT_SORT, type SortKey } from '../domain/sorting.js';
import { findCommunication, findCommunications, type CommunicationDetail } from '../db/repositories/communications.js';
import type { Executor } from '../db/repositories/executor.js';
import { SearchEngineError, type SearchIndex, type SearchResult, type SearchScope } from '../search/port.js';
import { loadDefinitions } from './custom-field-definitions.js';
import type { Recordings } from './recordings.js';

export interface SearchInput {
  q?: string | undefined;
  filter?: unknown;
  sort?: SortKey[] | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export class Communications {
  constructor(
    private readonly db: Executor,
    private readonly index: SearchIndex,
    private readonly recordings: Recordings,
  ) {}

  /** One communication of the scope; one outside it is not found, exactly as an id that does not exist. */
  async get(access: AccessScope, id: string) {
    const row = await findCommunication(this.db, access, id);
    if (!row) throw new NotFound('communication', 'communication_not_found');
    const [media, messages] = await Promise.all([this.recordings.describe(id), row.kind === 'chat' ? listMessages(this.db, id) : undefined]);
    return {
      ...toItem(row),
      media,
      transcript: row.transcript ?? null,
      ...(messages ? { messages: messages.map((m) => ({ id: m.id, author: m.author, text: m.text, sent_at: m.sent_at.toISOString() })) } : {}),
      deliveries: (await listDeliveries(this.db, { communication_id: id }, { limit: 100 })).map((d) => ({ id: d.id, connector_id: d.connector_id, event: d.event, state: d.state, attempts: d.attempts, delivered_at: d.delivered_at?.toISOString() ?? null, last_error: d.last_error })),
    };
  }

  async search(access: AccessScope, input: SearchInput) {
    const [definitions, attributes] = await Promise.all([loadDefinitions(this.db), listAttributes(this.db, ALL_INTEGRATIONS)]);
    const byName = new Map(attributes.map((a) => [a.name.toLowerCase(), a]));
    const filter = input.filter === undefined || input.filter === null ? undefined : parseFilter(input.filter, definitions, 'filter', byName);
    const sort = input.sort?.length ? input.sort : DEFAULT_SORT;
    let result: SearchResult;
    try {
      result = await this.index.search({ filter, scope: searchScope(access), q: input.q, sort, cursor: input.cursor, limit: input.limit ?? 50 });
    } catch (error) {
      if (error instanceof SearchEngineError) throw new Unavailable(5, error);
      throw error;
    }
    // The index names the matches; the records come from Postgres, the source of truth.
    const found = await this.items(access, result.hits.map((h) => h.id));
    const items = result.hits.flatMap((hit) => {
      const item = found.get(hit.id);
      if (!item) return [];
      return [hit.highlight === undefined ? item : { ...item, highlight: hit.highlight }];
    });
    return { items, next_cursor: result.nextCursor, estimated_total: result.estimatedTotal, engine: this.index.engine };
  }

  /** Communications of the scope as search items (core fields and the media block) by id, in two queries whatever their number. */
  async items(access: AccessScope, ids: string[]) {
    const found = await findCommunications(this.db, access, ids);
    // Media blocks (signed URLs) only for the communications the scope holds.
    const media = await this.recordings.describeMany(found.map((row) => row.id));
    return new Map(found.map((row) => [row.id, { ...toItem(row), media: media.get(row.id) ?? null }]));
  }
}

/** The AccessScope as the search port takes it. */
function searchScope(access: AccessScope): SearchScope {
  return { integrationIds: access.kind === 'integrations' ? access.ids : undefined, operatorIds: access.operatorIds };
}

function toItem(row: CommunicationDetail) {
  return {
    id: row.id,
    kind: row.kind,
    integration_id: row.integration_id,
    uid: row.uid,
    channel: row.channel,
    ...(row.kind === 'chat' ? { closed_at: row.closed_at?.toISOString() ?? null } : {}),
    started_at: row.started_at.toISOString(),
    direction: row.direction,
    duration: row.duration_s,
    client_phone_number: row.client_phone_raw,
    client_phone_e164: row.client_phone_e164,
    phone_call_chain_uid: row.chain_uid,
    nps: row.nps,
    department_id: row.department_id,
    operator: row.operator_id
      ? { id: row.operator_id, external_id: row.operator_external_id, first_name: row.operator_first_name, last_name: row.operator_last_name }
      : null,
    client: row.client_external_id
      ? { id: row.client_external_id, first_name: row.client_first_name, last_name: row.client_last_name, company_name: row.client_company_name }
      : null,
    custom_fields: row.custom_fields,
    tags: row.tags,
    warnings: row.warnings,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
