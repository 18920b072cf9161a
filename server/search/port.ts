// The SearchIndex port: what ingestion-side sync and the search API need from a search engine.
// Adapters: meilisearch.ts (official client) and postgres.ts (default without Meilisearch).
import type { FilterNode, ValueKind } from '../domain/filters.js';
import type { SortKey } from '../domain/sorting.js';
import type { SearchDocument } from './document.js';

export type SearchEngine = 'meilisearch' | 'postgres';

/** A custom field flagged used_for_filtering, with the kind of value its documents hold. */
export interface FilterableCustomField {
  key: string;
  kind: ValueKind;
}

export interface IndexSettings {
  filterableCustomFields: FilterableCustomField[];
  /** Document attributes (ca_<id>) of the client attributes; filterable as client.attr.<name>. */
  filterableClientAttributes?: string[];
}

/** Whose documents a search may find (the caller's AccessScope); a list left out means no limit on that side. */
export interface SearchScope {
  integrationIds?: readonly string[] | undefined;
  operatorIds?: readonly string[] | undefined;
}

export interface SearchQuery {
  filter?: FilterNode | undefined;
  /** Applied besides the filter, to the hits and to estimatedTotal alike. */
  scope?: SearchScope | undefined;
  /** Free text over transcripts, messages, client names and phones. */
  q?: string | undefined;
  sort: SortKey[];
  /** Opaque, produced by the same adapter for the same sort and query. */
  cursor?: string | undefined;
  limit: number;
}

export interface SearchHit {
  id: string;
  /** An excerpt with the matched words wrapped in <em>…</em>, when q matched text. */
  highlight?: string | undefined;
}

export interface SearchResult {
  hits: SearchHit[];
  nextCursor: string | null;
  estimatedTotal: number;
}

export interface SearchHealth {
  status: 'ok' | 'unavailable';
  detail?: string;
}

/** A fresh index being filled beside the live one (see SearchIndex.rebuild). */
export interface IndexRebuild {
  upsert(documents: SearchDocument[]): Promise<void>;
  /** Finishes the new index for these settings and puts it in place of the live one. */
  commit(settings: IndexSettings): Promise<void>;
  abort(): Promise<void>;
}

export interface SearchIndex {
  readonly engine: SearchEngine;
  /** Makes the index filterable/sortable/searchable as the settings say; waits until applied. */
  applySettings(settings: IndexSettings): Promise<void>;
  /** Inserts or replaces whole documents by id; resolves only once they are applied. */
  upsert(documents: SearchDocument[]): Promise<void>;
  delete(ids: string[]): Promise<void>;
  /**
   * Optional bulk path for a full rebuild: documents go to a new index that replaces the live one on commit.
   * With `resume`, a rebuild an interrupted run left behind is continued instead of started over.
   */
  rebuild?(options: { resume: boolean }): Promise<IndexRebuild>;
  search(query: SearchQuery): Promise<SearchResult>;
  health(): Promise<SearchHealth>;
}

/** Thrown by adapters when the engine cannot be reached or refused the work; callers retry later. */
export class SearchEngineError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean = true,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SearchEngineError';
  }
}
