// Keeps the search index in step with Postgres: drains 'search' outbox rows in batches, builds each
// communication's document and upserts it (or deletes it when the row is gone). An engine failure leaves
// the rows pending with backoff; ingestion never waits on the engine.
import { bury, complete, reschedule, take } from '../db/repositories/outbox.js';
import { findDocumentSources } from '../db/repositories/communications.js';
import { listAttributes } from '../db/repositories/clients.js';
import { ALL_INTEGRATIONS } from '../domain/access-scope.js';
import { listCustomFields } from '../db/repositories/custom-fields.js';
import { clientAttributeKey } from '../domain/client-attributes.js';
import type { Executor } from '../db/repositories/executor.js';
import { backoffDelayMs, DEFAULT_BACKOFF, exhausted, type BackoffPolicy } from '../domain/backoff.js';
import type { CustomFieldType } from '../domain/custom-field-types.js';
import { kindOfCustomType } from '../domain/filters.js';
import { buildSearchDocument, type SearchDocument } from './document.js';
import type { IndexRebuild, IndexSettings, SearchIndex } from './port.js';

export interface SearchSyncOptions {
  batchSize?: number;
  backoff?: BackoffPolicy;
}

export interface DrainReport {
  indexed: number;
  deleted: number;
  /** Rows left pending (engine failure) or given up. */
  failed: number;
  /** Seconds from each row's write to its document being applied. */
  lagSeconds: number[];
}

export type SettingsState = { state: 'applied' } | { state: 'pending' } | { state: 'failed'; error: string };

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class SearchSync {
  private readonly batchSize: number;
  private readonly backoff: BackoffPolicy;
  private settings: SettingsState = { state: 'pending' };

  constructor(
    private readonly db: Executor,
    private readonly index: SearchIndex,
    options: SearchSyncOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  get settingsState(): SettingsState {
    return this.settings;
  }

  /** Applies index settings from the current custom field definitions; the outcome is kept for readiness. */
  async applySettings(): Promise<SettingsState> {
    try {
      await this.index.applySettings(await this.currentSettings());
      this.settings = { state: 'applied' };
    } catch (error) {
      this.settings = { state: 'failed', error: errorText(error) };
    }
    return this.settings;
  }

  /** Drains until no due rows are left; settings not yet applied are applied first. */
  async drain(): Promise<DrainReport> {
    if (this.settings.state !== 'applied') {
      const outcome = await this.applySettings();
      if (outcome.state === 'failed') throw new Error(`search settings not applied: ${outcome.error}`);
    }
    const total: DrainReport = { indexed: 0, deleted: 0, failed: 0, lagSeconds: [] };
    for (;;) {
      const report = await this.drainOnce();
      total.indexed += report.indexed;
      total.deleted += report.deleted;
      total.failed += report.failed;
      total.lagSeconds.push(...report.lagSeconds);
      if (report.claimed < this.batchSize || report.failed > 0) return total;
    }
  }

  async drainOnce(): Promise<DrainReport & { claimed: number }> {
    const messages = await take(this.db, 'search', this.batchSize);
    const report = { claimed: messages.length, indexed: 0, deleted: 0, failed: 0, lagSeconds: [] as number[] };
    if (messages.length === 0) return report;
    const ids = [...new Set(messages.map((m) => m.key))];
    try {
      const { documents, missing } = await this.documents(ids);
      await this.index.upsert(documents);
      await this.index.delete(missing);
      await complete(this.db, messages.map((m) => m.id));
      const now = Date.now();
      report.indexed = documents.length;
      report.deleted = missing.length;
      report.lagSeconds = messages.map((m) => (now - m.created_at.getTime()) / 1000);
    } catch (error) {
      const text = errorText(error);
      const attempts = Math.max(...messages.map((m) => m.attempts));
      const ids = messages.map((m) => m.id);
      const delayMs = backoffDelayMs(attempts, this.backoff); // one delay for the batch: it failed as one
      if (exhausted(attempts, this.backoff)) await bury(this.db, ids, text);
      else await reschedule(this.db, ids.map((id) => ({ id, delayMs, error: text })));
      report.failed = messages.length;
    }
    return report;
  }

  /** Builds and applies the documents of these communications (the backfill's unit of work), to a rebuild if given. */
  async indexCommunications(ids: string[], rebuild?: IndexRebuild): Promise<{ indexed: number; deleted: number }> {
    const { documents, missing } = await this.documents(ids);
    if (rebuild) {
      await rebuild.upsert(documents);
      return { indexed: documents.length, deleted: 0 };
    }
    await this.index.upsert(documents);
    await this.index.delete(missing);
    return { indexed: documents.length, deleted: missing.length };
  }

  /** Starts a full rebuild when the engine has a bulk path for it. */
  startRebuild(resume: boolean): Promise<IndexRebuild> | undefined {
    return this.index.rebuild?.({ resume });
  }

  async commitRebuild(rebuild: IndexRebuild): Promise<void> {
    await rebuild.commit(await this.currentSettings());
    this.settings = { state: 'applied' };
  }

  private async documents(ids: string[]): Promise<{ documents: SearchDocument[]; missing: string[] }> {
    const [sources, types] = await Promise.all([findDocumentSources(this.db, ids), this.customFieldTypes()]);
    const found = new Set(sources.map((s) => s.id));
    return { documents: sources.map((s) => buildSearchDocument(s, types)), missing: ids.filter((id) => !found.has(id)) };
  }

  private async customFieldTypes(): Promise<Map<string, CustomFieldType>> {
    const rows = await listCustomFields(this.db);
    return new Map(rows.filter((r) => !r.archived).map((r) => [r.key, r.type as CustomFieldType]));
  }

  private async currentSettings(): Promise<IndexSettings> {
    const [rows, attributes] = await Promise.all([listCustomFields(this.db), listAttributes(this.db, ALL_INTEGRATIONS)]);
    return {
      filterableCustomFields: rows
        .filter((r) => r.used_for_filtering && !r.archived)
        .map((r) => ({ key: r.key, kind: kindOfCustomType(r.type as CustomFieldType) })),
      filterableClientAttributes: attributes.map((a) => clientAttributeKey(a.id)),
    };
  }
}
