// Use cases: read one communication and search them (Postgres; the search engines come with the search port).
import { NotFound } from '../domain/errors.js';
import { parseFilter } from '../domain/filters.js';
import { decodeCursor, DEFAULT_SORT, encodeCursor, type SortKey } from '../domain/sorting.js';
import { countCommunications, searchCommunications } from '../db/repositories/communication-search.js';
import { findCommunication, type CommunicationDetail } from '../db/repositories/communications.js';
import type { Executor } from '../db/repositories/executor.js';
import { loadDefinitions } from './custom-field-definitions.js';
import type { Recordings } from './recordings.js';

export interface SearchInput {
  filter?: unknown;
  sort?: SortKey[] | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

const ESTIMATE_CAP = 10_000;

export class Communications {
  constructor(
    private readonly db: Executor,
    private readonly recordings: Recordings,
  ) {}

  async get(id: string) {
    const row = await findCommunication(this.db, id);
    if (!row) throw new NotFound('communication', 'communication_not_found');
    return { ...toItem(row), media: await this.recordings.describe(id), transcript: row.transcript ?? null, deliveries: [] };
  }

  async search(input: SearchInput) {
    const definitions = await loadDefinitions(this.db);
    const filter = input.filter === undefined || input.filter === null ? undefined : parseFilter(input.filter, definitions);
    const sort = input.sort?.length ? input.sort : DEFAULT_SORT;
    const cursor = input.cursor ? decodeCursor(sort, input.cursor) : undefined;
    const limit = input.limit ?? 50;
    const [page, total] = await Promise.all([
      searchCommunications(this.db, { filter, sort, cursor, limit }),
      countCommunications(this.db, filter, ESTIMATE_CAP),
    ]);
    const last = page.rows.at(-1);
    return {
      items: page.rows.map(toItem),
      next_cursor: page.hasMore && last ? encodeCursor(sort, [...sort.map((k) => sortValue(last, k)), last.id]) : null,
      estimated_total: total,
      engine: 'postgres' as const,
    };
  }
}

function sortValue(row: CommunicationDetail, key: SortKey): string | number | null {
  if (key.field === 'started_at') return row.started_at.toISOString();
  return key.field === 'duration' ? row.duration_s : row.nps;
}

function toItem(row: CommunicationDetail) {
  return {
    id: row.id,
    kind: row.kind,
    integration_id: row.integration_id,
    uid: row.uid,
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
    media: row.media_url ? { source_url: row.media_url, url: null, state: 'pending' } : null,
    warnings: row.warnings,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
