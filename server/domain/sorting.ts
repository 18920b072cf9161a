// Sort orders and opaque keyset cursors for paging through search results.
import { InvalidFilter } from './errors.js';

export const SORTABLE_FIELDS = ['started_at', 'duration', 'nps'] as const;
export type SortField = (typeof SORTABLE_FIELDS)[number];
export interface SortKey {
  field: SortField;
  dir: 'asc' | 'desc';
}

export const DEFAULT_SORT: SortKey[] = [{ field: 'started_at', dir: 'desc' }];

/** Values of the last item's sort keys (null for a missing number) followed by its id. */
export type CursorValues = Array<string | number | null>;

function signature(sort: SortKey[]): string {
  return sort.map((k) => `${k.field}:${k.dir}`).join(',');
}

export function encodeCursor(sort: SortKey[], values: CursorValues): string {
  return Buffer.from(JSON.stringify({ s: signature(sort), v: values })).toString('base64url');
}

export function decodeCursor(sort: SortKey[], cursor: string): CursorValues {
  const invalid = () => new InvalidFilter('invalid_cursor', 'cursor', 'cursor is not one this search returned');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof decoded !== 'object' || decoded === null) throw invalid();
  const { s, v } = decoded as { s?: unknown; v?: unknown };
  if (s !== signature(sort) || !Array.isArray(v) || v.length !== sort.length + 1) throw invalid();
  const id = v[sort.length];
  if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw invalid();
  sort.forEach((key, i) => {
    const value = v[i];
    const ok = key.field === 'started_at' ? typeof value === 'string' && !Number.isNaN(Date.parse(value)) : value === null || typeof value === 'number';
    if (!ok) throw invalid();
  });
  return v as CursorValues;
}
