// The communications list's URL ↔ filter mapping: controls fitted to custom field types, parameters read
// into filter AST JSON, days in the viewer's zone, unreadable values reported under their parameter.
import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../server/domain/filters.js';
import type { CustomFieldDefinition } from '../../server/domain/custom-field-types.js';
import { coreControls, customControls, readListQuery, type FilterableField } from '../../server/web/list-filters.js';
import { translator } from '../../server/web/i18n/translator.js';

const FIELDS: FilterableField[] = [
  { key: 'score', name: 'Score', type: 'number', options: null },
  { key: 'wait', name: 'Wait', type: 'duration', options: null },
  { key: 'opened', name: 'Opened', type: 'datetime', options: null },
  { key: 'vip', name: 'VIP', type: 'boolean', options: null },
  { key: 'queue', name: 'Queue', type: 'enum', options: ['sales', 'support'] },
  { key: 'labels', name: 'Labels', type: 'string_array', options: null },
  { key: 'codes', name: 'Codes', type: 'number_array', options: null },
  { key: 'topic', name: 'Topic', type: 'string', options: null },
  { key: 'link', name: 'Link', type: 'string_url', options: null },
];
const controls = [...coreControls(translator('en')), ...customControls(FIELDS)];
const definitions = new Map<string, CustomFieldDefinition>(FIELDS.map((f) => [f.key, { key: f.key, type: f.type, options: f.options, archived: false, usedForFiltering: true }]));

describe('filter controls', () => {
  it('gives each custom field type its control', () => {
    expect(customControls(FIELDS).map((c) => [c.param, c.kind, c.op ?? null])).toEqual([
      ['cf.score', 'number_range', null],
      ['cf.wait', 'number_range', null],
      ['cf.opened', 'date_range', null],
      ['cf.vip', 'boolean', null],
      ['cf.queue', 'select', null],
      ['cf.labels', 'text', 'contains'],
      ['cf.codes', 'text', 'contains'],
      ['cf.topic', 'text', 'eq'],
      ['cf.link', 'text', 'eq'],
    ]);
  });
});

describe('readListQuery', () => {
  it('reads every control into conditions the filter parser accepts', () => {
    const request = readListQuery(
      {
        q: '  refund ',
        direction: 'incoming',
        'cf.score.min': '2,5',
        'cf.score.max': '9',
        'cf.opened.from': '2024-03-01',
        'cf.opened.to': '2024-03-01',
        tz: 'Europe/Moscow',
        'cf.vip': 'true',
        'cf.queue': 'sales',
        'cf.labels': 'urgent',
        'cf.codes': '42',
        'cf.topic': 'billing',
        'cf.wait.min': '',
        sort: 'oldest',
        limit: '100',
        cursor: 'abc',
      },
      controls,
    );
    expect(request.errors).toEqual({});
    expect(request.q).toBe('refund');
    expect(request.sort).toEqual([{ field: 'started_at', dir: 'asc' }]);
    expect(request.limit).toBe(100);
    expect(request.cursor).toBe('abc');
    expect(request.filter!.and).toEqual([
      { field: 'direction', op: 'eq', value: 'incoming' },
      { field: 'cf.score', op: 'gte', value: 2.5 },
      { field: 'cf.score', op: 'lte', value: 9 },
      { field: 'cf.opened', op: 'gte', value: '2024-02-29T21:00:00.000Z' },
      { field: 'cf.opened', op: 'lt', value: '2024-03-01T21:00:00.000Z' },
      { field: 'cf.vip', op: 'eq', value: true },
      { field: 'cf.queue', op: 'eq', value: 'sales' },
      { field: 'cf.labels', op: 'contains', value: 'urgent' },
      { field: 'cf.codes', op: 'contains', value: 42 },
      { field: 'cf.topic', op: 'eq', value: 'billing' },
    ]);
    expect(() => parseFilter(request.filter, definitions)).not.toThrow();
  });

  it('has no filter when nothing is set, and defaults order and page size', () => {
    const request = readListQuery({}, controls);
    expect(request).toMatchObject({ filter: undefined, q: undefined, limit: 50, sort: [{ field: 'started_at', dir: 'desc' }], errors: {} });
  });

  it('reports unreadable values under their parameter and leaves them out', () => {
    const request = readListQuery(
      { 'cf.score.min': 'many', 'cf.opened.from': '01.03.2024', 'cf.vip': 'maybe', 'cf.queue': 'billing', 'cf.codes': 'x', limit: '7', sort: 'best', 'cf.topic': 'x'.repeat(501), tz: 'Not/AZone' },
      controls,
    );
    expect(Object.keys(request.errors).sort()).toEqual(['cf.codes', 'cf.opened.from', 'cf.queue', 'cf.score.min', 'cf.topic', 'cf.vip', 'limit', 'sort']);
    expect(request.filter).toBeUndefined();
  });

  it('reads days in UTC when the zone is unknown', () => {
    const request = readListQuery({ 'started.from': '2024-03-01', tz: 'Not/AZone' }, controls);
    expect(request.filter!.and).toEqual([{ field: 'started_at', op: 'gte', value: '2024-03-01T00:00:00.000Z' }]);
  });
});
