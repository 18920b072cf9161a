import { describe, expect, it } from 'vitest';
import type { SortKey } from '../../server/domain/sorting.js';
import { decodeCursor, encodeCursor, keysetFilter, nextPosition, querySignature } from '../../server/search/meilisearch-cursor.js';
import { chunkText } from '../../server/search/meilisearch-document.js';

describe('keyset cursor', () => {
  const sort: SortKey[] = [
    { field: 'nps', dir: 'desc' },
    { field: 'started_at', dir: 'asc' },
  ];

  it('filters to hits at or beyond the last one, key by key', () => {
    expect(keysetFilter(sort, [9, 1704067200.25])).toBe('(sort_nps < 9 OR (sort_nps = 9 AND started_at >= 1704067200.25))');
    expect(keysetFilter([{ field: 'duration', dir: 'asc' }], [-Number.MAX_SAFE_INTEGER])).toBe('sort_duration >= -9007199254740991');
  });

  it('counts the hits tied with the last one, carrying the count while a tie spans pages', () => {
    const first = nextPosition(undefined, [[10, 1], [9, 1], [9, 1]]);
    expect(first).toEqual({ values: [9, 1], tied: 2, seen: 3 });
    const second = nextPosition(first, [[9, 1], [9, 1]]);
    expect(second).toEqual({ values: [9, 1], tied: 4, seen: 5 });
    expect(nextPosition(second, [[9, 1], [8, 1]])).toEqual({ values: [8, 1], tied: 1, seen: 7 });
  });

  it('round-trips and is bound to sort, text and filter', () => {
    const signature = querySignature(sort, 'refund', 'kind = "call"');
    const cursor = encodeCursor(signature, { values: [9, 1], tied: 2, seen: 3 });
    expect(decodeCursor(cursor, signature, 2)).toEqual({ values: [9, 1], tied: 2, seen: 3 });
    for (const other of [querySignature(sort.slice(0, 1), 'refund', 'kind = "call"'), querySignature(sort, 'refunds', 'kind = "call"'), querySignature(sort, 'refund', undefined)]) {
      expect(() => decodeCursor(cursor, other, 2)).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
    }
  });

  it.each([
    ['garbage', 'not a cursor'],
    ['wrong arity', { v: [9], n: 0, t: 0 }],
    ['non-number value', { v: ['9', 1], n: 0, t: 0 }],
    ['negative tie count', { v: [9, 1], n: -1, t: 0 }],
    ['more ties than seen', { v: [9, 1], n: 4, t: 3 }],
  ])('refuses %s', (_, payload) => {
    const signature = querySignature(sort, '', undefined);
    const cursor = typeof payload === 'string' ? payload : Buffer.from(JSON.stringify({ s: signature, ...payload })).toString('base64url');
    expect(() => decodeCursor(cursor, signature, 2)).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
  });
});

describe('chunkText', () => {
  it('cuts before every n-th word and keeps the text between words', () => {
    expect(chunkText('one, two. three four\nfive', 2, 10)).toEqual(['one, two. ', 'three four\n', 'five']);
    expect(chunkText('Привет-привет, мир!', 2, 10)).toEqual(['Привет-привет, ', 'мир!']);
    expect(chunkText('', 2, 10)).toEqual([]);
  });

  it('stops at the maximum number of chunks', () => {
    expect(chunkText('a b c d e', 2, 2)).toEqual(['a b ', 'c d ']);
  });
});
