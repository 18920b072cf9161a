// Keyset cursors over Meilisearch results: the next page starts at the last hit's sort values.
//
// Meilisearch cannot reliably compare ids as strings in a filter, so ties on every sort value are
// stepped over with an offset: the cursor keeps how many hits at exactly those values were already
// returned. Ties are ordered by id (the last sort key), so the offset is stable; an insert only
// shifts a page when it lands in that very group of ties.
import { createHash } from 'node:crypto';
import { InvalidFilter } from '../domain/errors.js';
import type { SortKey } from '../domain/sorting.js';
import { formatNumber } from './meilisearch-filter.js';
import { SORT_ATTRIBUTES } from './meilisearch-document.js';

export interface CursorPosition {
  /** Sort values of the last hit returned, in sort order. */
  values: number[];
  /** Hits already returned whose sort values all equal `values`. */
  tied: number;
  /** Hits returned before this page, for the estimated total. */
  seen: number;
}

/** Binds a cursor to the query it pages through: the same sort, text and filter. */
export function querySignature(sort: SortKey[], q: string, filter: string | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify([sort.map((k) => `${k.field}:${k.dir}`), q, filter ?? '']))
    .digest('base64url')
    .slice(0, 22);
}

export function encodeCursor(signature: string, position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ s: signature, v: position.values, n: position.tied, t: position.seen })).toString('base64url');
}

export function decodeCursor(cursor: string, signature: string, sortKeys: number): CursorPosition {
  const invalid = () => new InvalidFilter('invalid_cursor', 'cursor', 'cursor is not one this search returned');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof decoded !== 'object' || decoded === null) throw invalid();
  const { s, v, n, t } = decoded as Record<string, unknown>;
  const count = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
  if (s !== signature || !Array.isArray(v) || v.length !== sortKeys || !v.every((x) => Number.isFinite(x))) throw invalid();
  if (!count(n) || !count(t) || n > t) throw invalid();
  return { values: v as number[], tied: n, seen: t };
}

/** Hits at or beyond `values` in the sort order: the lexicographic comparison, key by key. */
export function keysetFilter(sort: SortKey[], values: number[]): string {
  const from = (i: number): string => {
    const attribute = SORT_ATTRIBUTES[sort[i]!.field];
    const value = formatNumber(values[i]!);
    const beyond = sort[i]!.dir === 'asc' ? '>' : '<';
    if (i === sort.length - 1) return `${attribute} ${beyond}= ${value}`;
    return `(${attribute} ${beyond} ${value} OR (${attribute} = ${value} AND ${from(i + 1)}))`;
  };
  return from(0);
}

/** Where the page after `page` starts, given where this page started. */
export function nextPosition(previous: CursorPosition | undefined, page: number[][]): CursorPosition {
  const last = page.at(-1)!;
  const same = (values: number[]) => values.every((v, i) => v === last[i]);
  let tiedInPage = 0;
  while (tiedInPage < page.length && same(page[page.length - 1 - tiedInPage]!)) tiedInPage++;
  const carried = previous && tiedInPage === page.length && same(previous.values) ? previous.tied : 0;
  return { values: last, tied: carried + tiedInPage, seen: (previous?.seen ?? 0) + page.length };
}
