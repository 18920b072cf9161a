// The nine custom field types: how an incoming value is coerced to its stored, typed form.
import { parseTimestamp } from './timestamps.js';

export const CUSTOM_FIELD_TYPES = [
  'string',
  'number',
  'enum',
  'string_array',
  'number_array',
  'datetime',
  'boolean',
  'duration',
  'string_url',
] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

export const CUSTOM_FIELD_KEY = /^[A-Za-z0-9_-]{1,64}$/;

export interface CustomFieldDefinition {
  key: string;
  type: CustomFieldType;
  options: string[] | null;
  archived: boolean;
  usedForFiltering: boolean;
}

export type Coercion = { ok: true; value: unknown } | { ok: false; message: string };

export interface CustomFieldWarning {
  path: string;
  code: 'unknown_field' | 'type_mismatch';
  message: string;
}

const fail = (message: string): Coercion => ({ ok: false, message });

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol, hostname } = new URL(value);
  return (protocol === 'http:' || protocol === 'https:') && hostname !== '';
}

export function coerceValue(def: Pick<CustomFieldDefinition, 'type' | 'options'>, value: unknown, defaultZone: string | null): Coercion {
  switch (def.type) {
    case 'string':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value: String(value) };
      return fail('expected a string');
    case 'number': {
      const n = toNumber(value);
      return n === undefined ? fail('expected a number') : { ok: true, value: n };
    }
    case 'duration': {
      const n = toNumber(value);
      return n === undefined || n < 0 ? fail('expected a duration in seconds (a number ≥ 0)') : { ok: true, value: n };
    }
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
      return fail('expected true or false');
    case 'enum':
      if (typeof value === 'string' && def.options?.includes(value)) return { ok: true, value };
      return fail(`expected one of: ${(def.options ?? []).join(', ')}`);
    case 'datetime': {
      if (typeof value !== 'string') return fail('expected an ISO 8601 timestamp');
      const parsed = parseTimestamp(value, defaultZone);
      return parsed.ok ? { ok: true, value: parsed.date.toISOString() } : fail(parsed.message);
    }
    case 'string_url':
      return typeof value === 'string' && isHttpUrl(value) ? { ok: true, value } : fail('expected an absolute http(s) URL');
    case 'string_array':
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return { ok: true, value };
      return fail('expected an array of strings');
    case 'number_array': {
      if (!Array.isArray(value)) return fail('expected an array of numbers');
      const numbers = value.map(toNumber);
      return numbers.every((n) => n !== undefined) ? { ok: true, value: numbers } : fail('expected an array of numbers');
    }
  }
}

/**
 * Coerces a body's custom_fields against the definitions. Values that cannot be applied are left out
 * and reported as warnings; the caller keeps the raw body so a backfill can apply them later.
 */
export function coerceCustomFields(
  definitions: ReadonlyMap<string, CustomFieldDefinition>,
  input: Record<string, unknown>,
  defaultZone: string | null,
): { values: Record<string, unknown>; warnings: CustomFieldWarning[] } {
  const values: Record<string, unknown> = Object.create(null);
  const warnings: CustomFieldWarning[] = [];
  for (const [key, value] of Object.entries(input)) {
    if (value === null) continue;
    const path = `custom_fields.${key}`;
    const def = definitions.get(key);
    if (!def || def.archived) {
      warnings.push({ path, code: 'unknown_field', message: def ? `custom field "${key}" is archived` : `no custom field "${key}" is defined` });
      continue;
    }
    const result = coerceValue(def, value, defaultZone);
    if (result.ok) values[key] = result.value;
    else warnings.push({ path, code: 'type_mismatch', message: `${def.type}: ${result.message}` });
  }
  return { values, warnings };
}
