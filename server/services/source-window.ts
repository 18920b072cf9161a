// A re-pull of a pull source's records started in a time window [from, to): where reading starts (the
// window's start for sources read in time order, the source's beginning otherwise — never the cursor,
// which stays), which records count, when reading can stop, and the dry run that only counts.
import { z } from 'zod';
import type { Executor } from '../db/repositories/executor.js';
import { knownRecordKeys } from '../db/repositories/sources.js';
import type { Cursor, PullPage, PullSource, RejectedRecord, SourceRecord } from '../sources/port.js';
import type { RunWindow } from './source-runs.js';

const instant = z.iso.datetime({ offset: true }).describe('ISO 8601 with a zone');
/** What an admin asks for: the window, and whether to only count. */
export const RepullWindowSchema = z
  .object({ from: instant, to: instant, dry_run: z.boolean().nullish().transform((v) => v ?? false).describe('Only read and count; write nothing (default false)') })
  .strict()
  .refine((w) => Date.parse(w.to) > Date.parse(w.from), { path: ['to'], message: 'must be after from' });

/** Records logged in these states are taken again by a re-pull (skipped ones: an operator may exist now). */
export const RETAKEN_STATES = ['skipped'] as const;

/** Prepares the adapter to read the window; the cursor to read from (none: the start or the window's start). */
export function seekWindow(adapter: PullSource, window: RunWindow): Cursor | null {
  adapter.startAt?.(window.from);
  return null;
}

export const inWindow = (window: RunWindow) => (record: SourceRecord) => record.startedAt >= window.from && record.startedAt < window.to;

/** True when a time-ordered source has read past the window's end: no later page can hold a record in it. */
export function pastWindow(adapter: PullSource, page: PullPage, window: RunWindow): boolean {
  return adapter.startAt !== undefined && page.records.length > 0 && page.records.every((r) => r.startedAt >= window.to);
}

export interface DryRunReport {
  dry_run: true;
  pages: number;
  /** Records read that started in the window. */
  read: number;
  /** Of those, records not imported yet (never read, or skipped before): the ones a re-pull takes. */
  to_take: number;
  /** The calls they make up (legs of one call count once). */
  calls: number;
  /** Records already imported: a re-pull leaves them as they are. */
  seen_before: number;
  rejected: number;
  rejected_samples: RejectedRecord[];
}

/** Reads the window as a re-pull would, writing nothing. */
export async function dryRunWindow(db: Executor, sourceId: string, adapter: PullSource, window: RunWindow, pageSize: number): Promise<DryRunReport> {
  const report: DryRunReport = { dry_run: true, pages: 0, read: 0, to_take: 0, calls: 0, seen_before: 0, rejected: 0, rejected_samples: [] };
  const taken = new Set<string>();
  const calls = new Set<string>();
  let cursor = seekWindow(adapter, window);
  for (;;) {
    const page = await adapter.read(cursor, pageSize);
    const records = page.records.filter(inWindow(window));
    report.pages++;
    report.read += records.length;
    report.rejected += page.rejected.length;
    report.rejected_samples.push(...page.rejected.slice(0, 10 - report.rejected_samples.length));
    const known = await knownRecordKeys(db, sourceId, records.map((r) => r.key), RETAKEN_STATES);
    for (const record of records) {
      if (known.has(record.key) || taken.has(record.key)) report.seen_before++;
      else {
        taken.add(record.key);
        calls.add(record.callUid);
      }
    }
    cursor = page.cursor;
    if (page.done || pastWindow(adapter, page, window)) break;
  }
  report.to_take = taken.size;
  report.calls = calls.size;
  return report;
}
