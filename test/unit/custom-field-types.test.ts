import { describe, expect, it } from 'vitest';
import { coerceCustomFields, coerceValue, type CustomFieldDefinition, type CustomFieldType } from '../../server/domain/custom-field-types.js';

const def = (type: CustomFieldType, options: string[] | null = null) => ({ type, options });

describe('coerceValue', () => {
  it.each([
    ['string', 'text', 'text'],
    ['string', 42, '42'],
    ['number', '5.5', 5.5],
    ['number', 7, 7],
    ['duration', '30', 30],
    ['boolean', 'false', false],
    ['boolean', true, true],
    ['datetime', '2024-01-01T12:00:00+03:00', '2024-01-01T09:00:00.000Z'],
    ['string_url', 'https://crm.example/deal/1', 'https://crm.example/deal/1'],
    ['string_array', ['a', 'b'], ['a', 'b']],
    ['number_array', [1, '2'], [1, 2]],
  ] as const)('%s accepts %j as %j', (type, input, expected) => {
    expect(coerceValue(def(type), input, null)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['string', { a: 1 }],
    ['number', 'five'],
    ['number', ''],
    ['number', Number.NaN],
    ['duration', -1],
    ['boolean', 'yes'],
    ['boolean', 1],
    ['datetime', 'not a date'],
    ['datetime', 1700000000],
    ['string_url', 'ftp://x/y'],
    ['string_url', 'javascript:alert(1)'],
    ['string_array', ['a', 1]],
    ['number_array', 'x'],
  ] as const)('%s refuses %j', (type, input) => {
    expect(coerceValue(def(type), input, null).ok).toBe(false);
  });

  it('enum takes only its options', () => {
    expect(coerceValue(def('enum', ['new', 'won']), 'won', null)).toEqual({ ok: true, value: 'won' });
    expect(coerceValue(def('enum', ['new', 'won']), 'lost', null).ok).toBe(false);
  });
});

describe('coerceCustomFields', () => {
  const definitions = new Map<string, CustomFieldDefinition>([
    ['count', { key: 'count', type: 'number', options: null, archived: false, usedForFiltering: true }],
    ['old', { key: 'old', type: 'string', options: null, archived: true, usedForFiltering: false }],
  ]);

  it('keeps typed values and reports the rest as warnings by path', () => {
    const result = coerceCustomFields(definitions, { count: '3', old: 'x', nope: 1, skipped: null }, null);
    expect({ ...result.values }).toEqual({ count: 3 });
    expect(result.warnings).toEqual([
      expect.objectContaining({ path: 'custom_fields.old', code: 'unknown_field' }),
      expect.objectContaining({ path: 'custom_fields.nope', code: 'unknown_field' }),
    ]);
    const mismatch = coerceCustomFields(definitions, { count: 'many' }, null);
    expect(mismatch.warnings).toEqual([expect.objectContaining({ path: 'custom_fields.count', code: 'type_mismatch' })]);
  });

  it('never lets a __proto__ key reach a prototype', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "count": 1}') as Record<string, unknown>;
    const result = coerceCustomFields(definitions, input, null);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(result.values)).toBeNull();
    expect(JSON.stringify(result.values)).toBe('{"count":1}');
  });
});
