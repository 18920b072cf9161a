import { describe, expect, it } from 'vitest';
import { DomainError } from '../../server/domain/errors.js';
import { parseFilter } from '../../server/domain/filters.js';
import type { CustomFieldDefinition } from '../../server/domain/custom-field-types.js';

const fields = new Map<string, CustomFieldDefinition>([
  ['topic', { key: 'topic', type: 'string', options: null, archived: false, usedForFiltering: true }],
  ['count', { key: 'count', type: 'number', options: null, archived: false, usedForFiltering: true }],
  ['flags', { key: 'flags', type: 'string_array', options: null, archived: false, usedForFiltering: true }],
  ['hidden', { key: 'hidden', type: 'string', options: null, archived: false, usedForFiltering: false }],
  ['gone', { key: 'gone', type: 'string', options: null, archived: true, usedForFiltering: true }],
]);

function failure(input: unknown): { code: string; path: string } {
  try {
    parseFilter(input, fields);
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, path: error.details[0]!.path };
    throw error;
  }
  throw new Error('expected a failure');
}

describe('parseFilter', () => {
  it('parses nested groups into typed conditions', () => {
    const node = parseFilter(
      { and: [{ field: 'direction', op: 'eq', value: 'OUTBOUND' }, { or: [{ field: 'cf.count', op: 'between', value: [1, 3] }, { field: 'started_at', op: 'gt', value: '2024-01-01T03:00:00+03:00' }] }] },
      fields,
    );
    expect(node).toEqual({
      and: [
        { field: { source: 'core', name: 'direction' }, kind: 'keyword', op: 'eq', value: 'outcoming' },
        {
          or: [
            { field: { source: 'custom', key: 'count' }, kind: 'number', op: 'between', value: [1, 3] },
            { field: { source: 'core', name: 'started_at' }, kind: 'datetime', op: 'gt', value: '2024-01-01T00:00:00.000Z' },
          ],
        },
      ],
    });
  });

  it.each([
    [{ field: 'cf.hidden', op: 'eq', value: 'x' }, 'field_not_filterable', 'filter.field'],
    [{ field: 'cf.gone', op: 'eq', value: 'x' }, 'unknown_field', 'filter.field'],
    [{ and: [{ field: 'kind', op: 'eq', value: 'call' }, { field: 'colour', op: 'eq', value: 1 }] }, 'unknown_field', 'filter.and[1].field'],
    [{ field: 'tags', op: 'gt', value: 'x' }, 'invalid_operator', 'filter.op'],
    [{ field: 'cf.flags', op: 'eq', value: 'x' }, 'invalid_operator', 'filter.op'],
    [{ field: 'kind', op: 'like', value: 'x' }, 'invalid_operator', 'filter.op'],
    [{ field: 'duration', op: 'gt', value: '10' }, 'invalid_value', 'filter.value'],
    [{ field: 'operator_id', op: 'eq', value: 'not-a-uuid' }, 'invalid_value', 'filter.value'],
    [{ field: 'direction', op: 'eq', value: 'sideways' }, 'invalid_value', 'filter.value'],
    [{ field: 'nps', op: 'between', value: [5, 1] }, 'invalid_value', 'filter.value'],
    [{ field: 'nps', op: 'in', value: [] }, 'invalid_value', 'filter.value'],
    [{ field: 'nps', op: 'exists', value: 3 }, 'invalid_value', 'filter.value'],
    [{ field: 'nps', op: 'eq', value: 1, extra: true }, 'invalid_filter', 'filter.extra'],
    [{ or: [] }, 'invalid_filter', 'filter'],
    [[1, 2], 'invalid_filter', 'filter'],
  ])('%j → %s at %s', (input, code, path) => {
    expect(failure(input)).toEqual({ code, path });
  });

  it('bounds depth and size', () => {
    let deep: unknown = { field: 'kind', op: 'eq', value: 'call' };
    for (let i = 0; i < 10; i++) deep = { and: [deep] };
    expect(failure(deep).code).toBe('filter_too_complex');
    const wide = { or: Array.from({ length: 201 }, () => ({ field: 'kind', op: 'eq', value: 'call' })) };
    expect(failure(wide).code).toBe('filter_too_complex');
  });
});
