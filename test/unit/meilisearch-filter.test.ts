import { describe, expect, it } from 'vitest';
import type { Condition, CoreField, FilterNode, ValueKind } from '../../server/domain/filters.js';
import { formatNumber, quote, toMeilisearchFilter } from '../../server/search/meilisearch-filter.js';

type OpAndValue<C = Condition> = C extends unknown ? Omit<C, 'field' | 'kind'> : never;
const core = (name: CoreField, kind: ValueKind, rest: OpAndValue): Condition => ({ field: { source: 'core', name }, kind, ...rest });
const custom = (key: string, kind: ValueKind, rest: OpAndValue): Condition => ({ field: { source: 'custom', key }, kind, ...rest });

describe('quote', () => {
  it.each([
    ['plain', '"plain"'],
    ['two words', '"two words"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['C:\\path\\', '"C:\\\\path\\\\"'],
    ['back\\"slash', '"back\\\\\\"slash"'],
    ["it's", '"it\'s"'],
    ['Звонок клиенту', '"Звонок клиенту"'],
    ['a AND b OR NOT c', '"a AND b OR NOT c"'],
    ['x = 1) OR (id EXISTS', '"x = 1) OR (id EXISTS"'],
  ])('%j → %s', (value, expected) => {
    expect(quote(value)).toBe(expected);
  });

  // Meilisearch reads a quoted value by turning \" into " and then unescaping \\ into \.
  it('round-trips through the engine’s unescaping', () => {
    const unescape = (quoted: string) => quoted.slice(1, -1).replace(/\\(["\\])/g, '$1');
    for (const value of ['say "hi"', 'C:\\path\\', 'back\\"slash', '\\\\"', '"', '\\']) expect(unescape(quote(value))).toBe(value);
  });
});

describe('formatNumber', () => {
  it('writes numbers as filter words', () => {
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(-3.5)).toBe('-3.5');
    expect(formatNumber(1e21)).toBe('1e21');
    expect(formatNumber(1e-7)).toBe('1e-7');
    expect(formatNumber(-Number.MAX_SAFE_INTEGER)).toBe('-9007199254740991');
  });
});

describe('toMeilisearchFilter', () => {
  const cases: Array<[string, Condition, string]> = [
    // keyword
    ['keyword eq', core('direction', 'keyword', { op: 'eq', value: 'incoming' }), 'direction = "incoming"'],
    ['keyword ne keeps missing', core('direction', 'keyword', { op: 'ne', value: 'incoming' }), 'NOT direction = "incoming"'],
    ['keyword in', core('kind', 'keyword', { op: 'in', value: ['call', 'chat'] }), 'kind IN ["call", "chat"]'],
    ['keyword nin keeps missing', core('client_id', 'keyword', { op: 'nin', value: ['a', 'b'] }), 'NOT client_id IN ["a", "b"]'],
    ['keyword exists', core('operator_external_id', 'keyword', { op: 'exists' }), '(operator_external_id EXISTS AND operator_external_id IS NOT NULL)'],
    ['keyword not_exists', core('uid', 'keyword', { op: 'not_exists' }), '(uid NOT EXISTS OR uid IS NULL)'],
    // uuid
    ['uuid eq', core('operator_id', 'uuid', { op: 'eq', value: '6f1c3a52-3a0e-4d2f-9a43-5b2d2b9b8f10' }), 'operator_id = "6f1c3a52-3a0e-4d2f-9a43-5b2d2b9b8f10"'],
    ['uuid ne', core('department_id', 'uuid', { op: 'ne', value: '6f1c3a52-3a0e-4d2f-9a43-5b2d2b9b8f10' }), 'NOT department_id = "6f1c3a52-3a0e-4d2f-9a43-5b2d2b9b8f10"'],
    ['uuid in', core('integration_id', 'uuid', { op: 'in', value: ['6f1c3a52-3a0e-4d2f-9a43-5b2d2b9b8f10'] }), 'integration_id IN ["6f1c3a52-3a0e-4d2f-9a43-5b2d2b9b8f10"]'],
    ['uuid nin', core('operator_id', 'uuid', { op: 'nin', value: ['6f1c3a52-3a0e-4d2f-9a43-5b2d2b9b8f10'] }), 'NOT operator_id IN ["6f1c3a52-3a0e-4d2f-9a43-5b2d2b9b8f10"]'],
    ['uuid exists', core('department_id', 'uuid', { op: 'exists' }), '(department_id EXISTS AND department_id IS NOT NULL)'],
    ['uuid not_exists', core('operator_id', 'uuid', { op: 'not_exists' }), '(operator_id NOT EXISTS OR operator_id IS NULL)'],
    // number
    ['number eq', core('duration', 'number', { op: 'eq', value: 60 }), 'duration = 60'],
    ['number ne', core('nps', 'number', { op: 'ne', value: 9 }), 'NOT nps = 9'],
    ['number in', core('nps', 'number', { op: 'in', value: [9, 10] }), 'nps IN [9, 10]'],
    ['number nin', core('nps', 'number', { op: 'nin', value: [0, 1.5] }), 'NOT nps IN [0, 1.5]'],
    ['number gt', core('duration', 'number', { op: 'gt', value: 30 }), 'duration > 30'],
    ['number gte', core('duration', 'number', { op: 'gte', value: 30 }), 'duration >= 30'],
    ['number lt', core('duration', 'number', { op: 'lt', value: -1 }), 'duration < -1'],
    ['number lte', core('duration', 'number', { op: 'lte', value: 0.25 }), 'duration <= 0.25'],
    ['number between', core('duration', 'number', { op: 'between', value: [10, 20] }), 'duration 10 TO 20'],
    ['number exists', core('nps', 'number', { op: 'exists' }), '(nps EXISTS AND nps IS NOT NULL)'],
    ['number not_exists', core('duration', 'number', { op: 'not_exists' }), '(duration NOT EXISTS OR duration IS NULL)'],
    // datetime: ISO in the AST, epoch seconds in documents
    ['datetime eq', core('started_at', 'datetime', { op: 'eq', value: '2024-01-01T00:00:00.250Z' }), 'started_at = 1704067200.25'],
    ['datetime ne', core('started_at', 'datetime', { op: 'ne', value: '2024-01-01T00:00:00.000Z' }), 'NOT started_at = 1704067200'],
    ['datetime in', core('started_at', 'datetime', { op: 'in', value: ['2024-01-01T00:00:00.000Z', '2024-01-01T00:00:01.000Z'] }), 'started_at IN [1704067200, 1704067201]'],
    ['datetime nin', custom('due', 'datetime', { op: 'nin', value: ['2024-01-01T00:00:00.000Z'] }), 'NOT cf_due IN [1704067200]'],
    ['datetime gt', core('started_at', 'datetime', { op: 'gt', value: '2024-01-01T00:00:00.000Z' }), 'started_at > 1704067200'],
    ['datetime gte', custom('due', 'datetime', { op: 'gte', value: '2024-01-01T00:00:00.000Z' }), 'cf_due >= 1704067200'],
    ['datetime lt', core('started_at', 'datetime', { op: 'lt', value: '2024-01-01T00:00:00.000Z' }), 'started_at < 1704067200'],
    ['datetime lte', core('started_at', 'datetime', { op: 'lte', value: '2024-01-01T00:00:00.000Z' }), 'started_at <= 1704067200'],
    ['datetime between', core('started_at', 'datetime', { op: 'between', value: ['2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z'] }), 'started_at 1704067200 TO 1704153600'],
    ['datetime exists', custom('due', 'datetime', { op: 'exists' }), '(cf_due EXISTS AND cf_due IS NOT NULL)'],
    ['datetime not_exists', core('started_at', 'datetime', { op: 'not_exists' }), '(started_at NOT EXISTS OR started_at IS NULL)'],
    // boolean
    ['boolean eq', custom('vip', 'boolean', { op: 'eq', value: true }), 'cf_vip = true'],
    ['boolean ne', custom('vip', 'boolean', { op: 'ne', value: false }), 'NOT cf_vip = false'],
    ['boolean exists', custom('vip', 'boolean', { op: 'exists' }), '(cf_vip EXISTS AND cf_vip IS NOT NULL)'],
    ['boolean not_exists', custom('vip', 'boolean', { op: 'not_exists' }), '(cf_vip NOT EXISTS OR cf_vip IS NULL)'],
    // keyword_array
    ['tags contains', core('tags', 'keyword_array', { op: 'contains', value: 'vip' }), 'tags = "vip"'],
    ['tags in (has any)', core('tags', 'keyword_array', { op: 'in', value: ['vip', 'spam'] }), 'tags IN ["vip", "spam"]'],
    ['tags nin', core('tags', 'keyword_array', { op: 'nin', value: ['spam'] }), 'NOT tags IN ["spam"]'],
    ['tags exists = non-empty', core('tags', 'keyword_array', { op: 'exists' }), '(tags EXISTS AND tags IS NOT EMPTY)'],
    ['tags not_exists = empty', core('tags', 'keyword_array', { op: 'not_exists' }), '(tags NOT EXISTS OR tags IS EMPTY)'],
    ['custom keyword_array exists = non-empty', custom('labels', 'keyword_array', { op: 'exists' }), '(cf_labels EXISTS AND cf_labels IS NOT EMPTY)'],
    // number_array
    ['number_array contains', custom('scores', 'number_array', { op: 'contains', value: 5 }), 'cf_scores = 5'],
    ['number_array in', custom('scores', 'number_array', { op: 'in', value: [5, 6] }), 'cf_scores IN [5, 6]'],
    ['number_array nin', custom('scores', 'number_array', { op: 'nin', value: [5] }), 'NOT cf_scores IN [5]'],
    ['number_array exists', custom('scores', 'number_array', { op: 'exists' }), '(cf_scores EXISTS AND cf_scores IS NOT EMPTY)'],
    ['number_array not_exists', custom('scores', 'number_array', { op: 'not_exists' }), '(cf_scores NOT EXISTS OR cf_scores IS EMPTY)'],
    // client_phone: the raw phone or its E.164 form
    ['phone eq', core('client_phone', 'keyword', { op: 'eq', value: '+7 (916) 123-45-67' }), 'client_phone IN ["+7 (916) 123-45-67", "+79161234567"]'],
    ['phone eq unparseable', core('client_phone', 'keyword', { op: 'eq', value: '101' }), 'client_phone IN ["101"]'],
    ['phone ne', core('client_phone', 'keyword', { op: 'ne', value: '+79161234567' }), 'NOT client_phone IN ["+79161234567"]'],
    ['phone in', core('client_phone', 'keyword', { op: 'in', value: ['101', '+7 916 123 45 67'] }), 'client_phone IN ["101", "+7 916 123 45 67", "+79161234567"]'],
    ['phone nin', core('client_phone', 'keyword', { op: 'nin', value: ['101'] }), 'NOT client_phone IN ["101"]'],
    ['phone exists', core('client_phone', 'keyword', { op: 'exists' }), '(client_phone EXISTS AND client_phone IS NOT EMPTY)'],
    ['phone not_exists', core('client_phone', 'keyword', { op: 'not_exists' }), '(client_phone NOT EXISTS OR client_phone IS EMPTY)'],
    // custom keys with a hyphen are filter words as they are
    ['hyphenated key', custom('sub-topic', 'keyword', { op: 'eq', value: 'Возврат "срочно"' }), 'cf_sub-topic = "Возврат \\"срочно\\""'],
    ['custom number', custom('score_2', 'number', { op: 'between', value: [1, 1e21] }), 'cf_score_2 1 TO 1e21'],
  ];

  it.each(cases)('%s', (_, cond, expected) => {
    expect(toMeilisearchFilter(cond)).toBe(expected);
  });

  it('groups and/or with parentheses, leaving a single child bare', () => {
    const node: FilterNode = {
      and: [
        core('kind', 'keyword', { op: 'eq', value: 'call' }),
        { or: [core('nps', 'number', { op: 'gte', value: 9 }), core('tags', 'keyword_array', { op: 'contains', value: 'vip' })] },
        { or: [core('duration', 'number', { op: 'gt', value: 0 })] },
      ],
    };
    expect(toMeilisearchFilter(node)).toBe('(kind = "call" AND (nps >= 9 OR tags = "vip") AND duration > 0)');
  });

  it('keeps a value that looks like filter syntax inside its quotes', () => {
    expect(toMeilisearchFilter(core('uid', 'keyword', { op: 'eq', value: '1" OR uid EXISTS OR uid = "' }))).toBe('uid = "1\\" OR uid EXISTS OR uid = \\""');
  });
});

describe('client tags and client attributes', () => {
  const attr = (id: string, kind: ValueKind, rest: OpAndValue): Condition => ({ field: { source: 'client_attr', id }, kind, ...rest });
  const id = '0000aaaa-0000-4000-8000-00000000a001';

  it('filters client tags as an array attribute with the value quoted', () => {
    expect(toMeilisearchFilter(core('client_tags', 'keyword_array', { op: 'contains', value: 'VIP "клиент"' }))).toBe('client_tags = "VIP \\"клиент\\""');
  });

  it('names a client attribute by its id, never by its free-text name', () => {
    expect(toMeilisearchFilter(attr(id, 'keyword', { op: 'eq', value: 'инженер' }))).toBe('ca_0000aaaa00004000800000000000a001 = "инженер"');
    expect(toMeilisearchFilter(attr(id, 'number', { op: 'gte', value: 4 }))).toBe('ca_0000aaaa00004000800000000000a001 >= 4');
  });
});
