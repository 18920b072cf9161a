// Use case: rebuild the search index from Postgres (all or a date range), page by page in (started_at, id)
// order so an interrupted run resumes from its cursor; optionally re-apply custom field values that were
// left out on arrival because their field was not defined yet (or archived, or the value did not fit).
import {
  countCommunicationsBetween,
  databaseNow,
  findUnappliedCustomFields,
  pageCommunicationIds,
  updateCustomFieldValues,
  type RawCustomFields,
} from '../db/repositories/communications.js';
import type { Executor } from '../db/repositories/executor.js';
import { refreshPlannerStatistics } from '../db/statistics.js';
import { coerceCustomFields, type CustomFieldDefinition } from '../domain/custom-field-types.js';
import { BadRequest } from '../domain/errors.js';
import type { IndexRebuild } from '../search/port.js';
import type { SearchSync } from '../search/sync.js';
import { loadDefinitions } from './custom-field-definitions.js';

export interface BackfillOptions {
  from?: Date | undefined;
  to?: Date | undefined;
  /** Cursor printed by an earlier run: continue after it. */
  after?: string | undefined;
  batchSize?: number;
  /** Batches indexed at once (Postgres computes text vectors and index entries on one core per batch). */
  concurrency?: number;
  dryRun?: boolean;
  reapplyRaw?: boolean;
  /** Awaited before the run goes on, so a caller can record the cursor before more work happens. */
  onProgress?: (progress: BackfillProgress) => void | Promise<void>;
}

export interface BackfillProgress {
  done: number;
  total: number;
  indexed: number;
  reapplied: number;
  cursor: string | null;
}

export const encodeBackfillCursor = (startedAt: Date, id: string) => `${startedAt.toISOString()}_${id}`;

export function decodeBackfillCursor(cursor: string): { startedAt: Date; id: string } {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)_([0-9a-f-]{36})$/.exec(cursor);
  if (!match) throw new BadRequest('invalid_cursor', 'the cursor is not one a backfill printed');
  return { startedAt: new Date(match[1]!), id: match[2]! };
}

/** The custom field values and warnings a communication would have with today's definitions, or null if unchanged. */
export function reapplyCustomFields(row: RawCustomFields, definitions: ReadonlyMap<string, CustomFieldDefinition>) {
  const { values, warnings } = coerceCustomFields(definitions, row.raw_fields ?? {}, row.default_timezone);
  const added = Object.keys(values).filter((key) => !Object.hasOwn(row.custom_fields, key));
  if (added.length === 0) return null;
  const customFields = { ...row.custom_fields, ...Object.fromEntries(added.map((key) => [key, values[key]])) };
  const kept = row.warnings.filter((w) => !w.path?.startsWith('custom_fields.'));
  return { id: row.id, custom_fields: customFields, warnings: [...kept, ...warnings.filter((w) => !Object.hasOwn(customFields, w.path.slice('custom_fields.'.length)))] };
}

export class SearchBackfill {
  constructor(
    private readonly db: Executor,
    private readonly sync: SearchSync,
  ) {}

  async run(options: BackfillOptions = {}): Promise<BackfillProgress> {
    const range = { from: options.from, to: options.to };
    const batchSize = options.batchSize ?? 1000;
    const concurrency = options.concurrency ?? 2;
    let after = options.after ? decodeBackfillCursor(options.after) : undefined;
    const total = await countCommunicationsBetween(this.db, range);
    const progress: BackfillProgress = { done: 0, total, indexed: 0, reapplied: 0, cursor: options.after ?? null };
    const definitions = options.reapplyRaw ? await loadDefinitions(this.db) : new Map<string, CustomFieldDefinition>();
    // A whole-index run fills a fresh index beside the live one when the engine can (bulk index builds);
    // what changes meanwhile is caught up from the live sync's side after the swap.
    const whole = !options.dryRun && !options.from && !options.to;
    const rebuild = whole ? await this.sync.startRebuild(options.after !== undefined) : undefined;
    const startedAt = await databaseNow(this.db);
    if (!options.dryRun && !rebuild) await this.sync.applySettings();
    // Pages are read in order and worked on `concurrency` at a time; the cursor only moves past a page once
    // it and every page before it are done, so resuming from it never skips work.
    const inFlight: Array<Promise<unknown>> = [];
    for (;;) {
      const page = await pageCommunicationIds(this.db, range, after, batchSize);
      if (page.length === 0) break;
      const last = page.at(-1)!;
      after = { startedAt: last.started_at, id: last.id };
      const previous = inFlight.at(-1) ?? Promise.resolve();
      const work = this.indexPage(page.map((row) => row.id), definitions, options, rebuild);
      const settled = Promise.all([work, previous]).then(async ([outcome]) => {
        progress.indexed += outcome.indexed;
        progress.reapplied += outcome.reapplied;
        progress.done += page.length;
        progress.cursor = encodeBackfillCursor(last.started_at, last.id);
        await options.onProgress?.({ ...progress });
      });
      settled.catch(() => {}); // awaited below; this only keeps an early failure from counting as unhandled
      inFlight.push(settled);
      if (inFlight.length >= concurrency) await inFlight.shift();
    }
    await Promise.all(inFlight);
    if (rebuild) {
      await this.sync.commitRebuild(rebuild);
      await this.catchUp(startedAt, batchSize);
    }
    // A backfill rewrites the index (and with --reapply-raw the calls): fresh statistics for the planner.
    if (!options.dryRun) await refreshPlannerStatistics(this.db);
    return progress;
  }

  /** Re-indexes, into the live index, communications written after `since`. */
  private async catchUp(since: Date, batchSize: number): Promise<void> {
    let after: { startedAt: Date; id: string } | undefined;
    for (;;) {
      const page = await pageCommunicationIds(this.db, { updatedSince: since }, after, batchSize);
      if (page.length === 0) return;
      await this.sync.indexCommunications(page.map((row) => row.id));
      const last = page.at(-1)!;
      after = { startedAt: last.started_at, id: last.id };
    }
  }

  private async indexPage(ids: string[], definitions: ReadonlyMap<string, CustomFieldDefinition>, options: BackfillOptions, rebuild: IndexRebuild | undefined) {
    let reapplied = 0;
    if (options.reapplyRaw) {
      const updates = (await findUnappliedCustomFields(this.db, ids)).flatMap((row) => reapplyCustomFields(row, definitions) ?? []);
      if (!options.dryRun) await updateCustomFieldValues(this.db, updates);
      reapplied = updates.length;
    }
    const indexed = options.dryRun ? 0 : (await this.sync.indexCommunications(ids, rebuild)).indexed;
    return { indexed, reapplied };
  }
}
