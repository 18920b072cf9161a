// The Meilisearch adapter of the SearchIndex port, on the official client: settings, batched writes, search.
import { Meilisearch, MeilisearchApiError, MeilisearchError, type EnqueuedTaskPromise, type Index, type Task } from 'meilisearch';
import { InvalidFilter } from '../domain/errors.js';
import { CORE_FIELDS } from '../domain/filters.js';
import { DEFAULT_SORT } from '../domain/sorting.js';
import { customFieldAttribute, type SearchDocument } from './document.js';
import { decodeCursor, encodeCursor, keysetFilter, nextPosition, querySignature } from './meilisearch-cursor.js';
import { MESSAGE_ATTRIBUTES, SORT_ATTRIBUTES, toMeilisearchDocument, TRANSCRIPT_ATTRIBUTES } from './meilisearch-document.js';
import { scopeFilters, toMeilisearchFilter } from './meilisearch-filter.js';
import { hasMatch, highlightHtml, MATCH_END, MATCH_START } from './highlight.js';
import { SearchEngineError, type IndexSettings, type SearchHealth, type SearchHit, type SearchIndex, type SearchQuery, type SearchResult } from './port.js';

export interface MeilisearchIndexOptions {
  url: string;
  apiKey: string;
  indexUid?: string;
  /** Documents per indexing task. */
  batchSize?: number;
  /** Limit for each HTTP request. */
  timeoutMs?: number;
  /** How long to wait for one task to be processed. */
  taskTimeoutMs?: number;
  /** How many times a task Meilisearch reports as failed is enqueued before the failure is surfaced. */
  taskAttempts?: number;
  /** pagination.maxTotalHits: bounds how many hits with equal sort values a cursor can step over. */
  maxTotalHits?: number;
}

type Document = Record<string, unknown>;

const TEXT_ATTRIBUTES = [...TRANSCRIPT_ATTRIBUTES, ...MESSAGE_ATTRIBUTES, 'client_name', 'client_phone'];
const EXCERPT_WORDS = 24;

export class MeilisearchIndex implements SearchIndex {
  readonly engine = 'meilisearch' as const;
  private readonly client: Meilisearch;
  private readonly index: Index<Document>;
  private readonly batchSize: number;
  private readonly taskAttempts: number;
  private readonly maxTotalHits: number;

  constructor(options: MeilisearchIndexOptions) {
    this.client = new Meilisearch({
      host: options.url,
      apiKey: options.apiKey,
      timeout: options.timeoutMs ?? 10_000,
      defaultWaitOptions: { timeout: options.taskTimeoutMs ?? 60_000, interval: 50 },
    });
    this.index = this.client.index<Document>(options.indexUid ?? 'communications');
    this.batchSize = options.batchSize ?? 1000;
    this.taskAttempts = options.taskAttempts ?? 3;
    this.maxTotalHits = options.maxTotalHits ?? 100_000;
  }

  async applySettings(settings: IndexSettings): Promise<void> {
    const sortAttributes = Object.values(SORT_ATTRIBUTES);
    await this.runTask('apply settings', () =>
      this.index.updateSettings({
        filterableAttributes: [...new Set([...Object.keys(CORE_FIELDS), ...sortAttributes])].concat(
          settings.filterableCustomFields.map((f) => customFieldAttribute(f.key)),
          settings.filterableClientAttributes ?? [],
        ),
        sortableAttributes: [...sortAttributes, 'id'],
        searchableAttributes: TEXT_ATTRIBUTES,
        // Sort first: results follow the requested order exactly (as in Postgres), which the keyset
        // cursor relies on; relevance does not reorder them.
        rankingRules: ['sort', 'words', 'typo', 'proximity', 'attribute', 'exactness'],
        pagination: { maxTotalHits: this.maxTotalHits },
      }),
    );
  }

  async upsert(documents: SearchDocument[]): Promise<void> {
    for (let i = 0; i < documents.length; i += this.batchSize) {
      const batch = documents.slice(i, i + this.batchSize).map(toMeilisearchDocument);
      await this.runTask(`upsert ${batch.length} documents`, () => this.index.addDocuments(batch, { primaryKey: 'id' }));
    }
  }

  async delete(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += this.batchSize) {
      const batch = ids.slice(i, i + this.batchSize);
      await this.runTask(`delete ${batch.length} documents`, () => this.index.deleteDocuments(batch));
    }
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const sort = query.sort.length > 0 ? query.sort : DEFAULT_SORT;
    const q = query.q?.trim() ?? '';
    const scope = query.scope ?? {};
    if (scope.integrationIds?.length === 0 || scope.operatorIds?.length === 0) return { hits: [], nextCursor: null, estimatedTotal: 0 };
    // The scope is part of the filter (and so of the cursor's signature): a cursor never crosses scopes.
    const filter = [...scopeFilters(scope), ...(query.filter ? [toMeilisearchFilter(query.filter)] : [])].join(' AND ') || undefined;
    const signature = querySignature(sort, q, filter);
    const position = query.cursor === undefined ? undefined : decodeCursor(query.cursor, signature, sort.length);
    const offset = position?.tied ?? 0;
    if (offset + query.limit + 1 > this.maxTotalHits) {
      throw new InvalidFilter('cursor_too_deep', 'cursor', `more than ${offset} results share the same sort values; add a sort key to page further`);
    }
    const sortAttributes = sort.map((k) => SORT_ATTRIBUTES[k.field]);
    const filters = [filter, position && keysetFilter(sort, position.values)].filter((f): f is string => f !== undefined);
    const response = await this.call('search', () =>
      this.index.search(q === '' ? null : q, {
        filter: filters.length > 0 ? filters : undefined,
        sort: [...sort.map((k) => `${SORT_ATTRIBUTES[k.field]}:${k.dir}`), `id:${sort.at(-1)!.dir}`],
        offset,
        limit: query.limit + 1,
        attributesToRetrieve: ['id', ...sortAttributes],
        matchingStrategy: 'all',
        ...(q === ''
          ? {}
          : { attributesToHighlight: TEXT_ATTRIBUTES, attributesToCrop: TEXT_ATTRIBUTES, cropLength: EXCERPT_WORDS, highlightPreTag: MATCH_START, highlightPostTag: MATCH_END }),
      }),
    );
    const page = response.hits.slice(0, query.limit);
    const sortValues = page.map((hit) =>
      sortAttributes.map((attribute) => {
        const value = hit[attribute];
        if (typeof value !== 'number') throw new SearchEngineError(`meilisearch: hit ${String(hit.id)} has no number in ${attribute}; reindex it`, false);
        return value;
      }),
    );
    const hits: SearchHit[] = page.map((hit) => ({ id: String(hit.id), highlight: excerpt(hit._formatted) }));
    return {
      hits,
      nextCursor: response.hits.length > query.limit ? encodeCursor(signature, nextPosition(position, sortValues)) : null,
      // The keyset query counts from the start of the tie group, which includes the tied hits already seen.
      estimatedTotal: (position ? position.seen - position.tied : 0) + response.estimatedTotalHits,
    };
  }

  async health(): Promise<SearchHealth> {
    try {
      await this.call('health', () => this.client.health());
      return { status: 'ok' };
    } catch (error) {
      return { status: 'unavailable', detail: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Enqueues a task and waits for it; one that fails is enqueued again, up to taskAttempts times. */
  private async runTask(what: string, enqueue: () => EnqueuedTaskPromise): Promise<void> {
    let task: Task | undefined;
    for (let attempt = 1; attempt <= this.taskAttempts; attempt++) {
      task = await this.call(what, () => enqueue().waitTask());
      if (task.status === 'succeeded') return;
    }
    const error = task?.error;
    throw new SearchEngineError(
      `meilisearch: ${what}: task ${task?.uid} ${task?.status} after ${this.taskAttempts} attempts${error ? `: ${error.code}: ${error.message}` : ''}`,
      error?.type !== 'invalid_request',
    );
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw toEngineError(what, error);
    }
  }
}

/** Network failures, timeouts and 5xx are retryable; a 4xx means the request itself was refused. */
function toEngineError(what: string, error: unknown): unknown {
  if (error instanceof MeilisearchApiError) {
    const status = error.response.status;
    const detail = error.cause ? `${error.cause.code}: ${error.cause.message}` : `HTTP ${status}`;
    return new SearchEngineError(`meilisearch: ${what}: ${detail}`, status >= 500 || status === 408 || status === 429, { cause: error });
  }
  // A SyntaxError is a response body that is not JSON, as a proxy in front of Meilisearch sends.
  if (error instanceof MeilisearchError || error instanceof SyntaxError) {
    const reason = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return new SearchEngineError(`meilisearch: ${what}: ${error.message}${reason}`, true, { cause: error });
  }
  return error;
}

/** The first text attribute with a match, cropped around it. */
function excerpt(formatted: Partial<Document> | undefined): string | undefined {
  if (!formatted) return undefined;
  for (const attribute of TEXT_ATTRIBUTES) {
    const value = formatted[attribute];
    const texts = Array.isArray(value) ? value : [value];
    const match = texts.find((text): text is string => typeof text === 'string' && hasMatch(text));
    if (match !== undefined) return highlightHtml(match);
  }
  return undefined;
}
