// The filter AST: the one query language. Parses the API's filter JSON into checked conditions with typed values.
import { InvalidFilter, FieldNotFilterable } from './errors.js';
import { normalizeDirection } from './direction.js';
import { parseTimestamp } from './timestamps.js';
import type { CustomFieldDefinition, CustomFieldType } from './custom-field-types.js';
import type { ClientAttributeDefinition, ClientAttributeType } from './client-attributes.js';

export const FILTER_OPS = ['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'between', 'contains', 'exists', 'not_exists'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

/** What a field holds, which decides the ops and values it accepts. */
export type ValueKind = 'keyword' | 'uuid' | 'number' | 'datetime' | 'boolean' | 'keyword_array' | 'number_array';

export const CORE_FIELDS = {
  kind: 'keyword',
  uid: 'keyword',
  operator_id: 'uuid',
  operator_external_id: 'keyword',
  department_id: 'uuid',
  integration_id: 'uuid',
  direction: 'keyword',
  started_at: 'datetime',
  duration: 'number',
  client_id: 'keyword',
  client_phone: 'keyword',
  tags: 'keyword_array',
  client_tags: 'keyword_array',
  nps: 'number',
} as const satisfies Record<string, ValueKind>;
export type CoreField = keyof typeof CORE_FIELDS;

const OPS_BY_KIND: Record<ValueKind, readonly FilterOp[]> = {
  keyword: ['eq', 'ne', 'in', 'nin', 'exists', 'not_exists'],
  uuid: ['eq', 'ne', 'in', 'nin', 'exists', 'not_exists'],
  number: ['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'between', 'exists', 'not_exists'],
  datetime: ['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'between', 'exists', 'not_exists'],
  boolean: ['eq', 'ne', 'exists', 'not_exists'],
  keyword_array: ['contains', 'in', 'nin', 'exists', 'not_exists'],
  number_array: ['contains', 'in', 'nin', 'exists', 'not_exists'],
};

const KIND_OF_CUSTOM_TYPE: Record<CustomFieldType, ValueKind> = {
  string: 'keyword',
  enum: 'keyword',
  string_url: 'keyword',
  number: 'number',
  duration: 'number',
  datetime: 'datetime',
  boolean: 'boolean',
  string_array: 'keyword_array',
  number_array: 'number_array',
};

export const kindOfCustomType = (type: CustomFieldType): ValueKind => KIND_OF_CUSTOM_TYPE[type];

export type FieldRef = { source: 'core'; name: CoreField } | { source: 'custom'; key: string } | { source: 'client_attr'; id: string };

const KIND_OF_ATTRIBUTE_TYPE: Record<ClientAttributeType, ValueKind> = { string: 'keyword', number: 'number', boolean: 'boolean', datetime: 'datetime' };

/** Client attributes by lower-cased name, as filters name them (`client.attr.<name>`). */
export type AttributesByName = ReadonlyMap<string, ClientAttributeDefinition>;
export type Scalar = string | number | boolean;

export type Condition =
  | { field: FieldRef; kind: ValueKind; op: 'exists' | 'not_exists' }
  | { field: FieldRef; kind: ValueKind; op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'contains'; value: Scalar }
  | { field: FieldRef; kind: ValueKind; op: 'in' | 'nin'; value: Scalar[] }
  | { field: FieldRef; kind: ValueKind; op: 'between'; value: [Scalar, Scalar] };

export type FilterNode = { and: FilterNode[] } | { or: FilterNode[] } | Condition;

export const FILTER_LIMITS = { depth: 8, conditions: 200, listValues: 1000 } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and checks a filter against the core fields and the custom field definitions. */
export function parseFilter(input: unknown, customFields: ReadonlyMap<string, CustomFieldDefinition>, path = 'filter', attributes: AttributesByName = new Map()): FilterNode {
  let conditions = 0;
  const walk = (node: unknown, at: string, depth: number): FilterNode => {
    if (depth > FILTER_LIMITS.depth) throw new InvalidFilter('filter_too_complex', at, `filters nest at most ${FILTER_LIMITS.depth} levels`);
    if (!isRecord(node)) throw new InvalidFilter('invalid_filter', at, 'expected {"and": [...]}, {"or": [...]} or {"field", "op", "value"}');
    for (const group of ['and', 'or'] as const) {
      if (group in node) {
        const children = node[group];
        if (Object.keys(node).length !== 1 || !Array.isArray(children) || children.length === 0) {
          throw new InvalidFilter('invalid_filter', at, `"${group}" takes a non-empty array and nothing beside it`);
        }
        const parsed = children.map((child, i) => walk(child, `${at}.${group}[${i}]`, depth + 1));
        return group === 'and' ? { and: parsed } : { or: parsed };
      }
    }
    if (++conditions > FILTER_LIMITS.conditions) throw new InvalidFilter('filter_too_complex', at, `at most ${FILTER_LIMITS.conditions} conditions`);
    return parseCondition(node, at, customFields, attributes);
  };
  return walk(input, path, 1);
}

function parseCondition(node: Record<string, unknown>, at: string, customFields: ReadonlyMap<string, CustomFieldDefinition>, attributes: AttributesByName): Condition {
  const extra = Object.keys(node).find((k) => k !== 'field' && k !== 'op' && k !== 'value');
  if (extra !== undefined) throw new InvalidFilter('invalid_filter', `${at}.${extra}`, `unexpected key "${extra}"`);
  if (typeof node.field !== 'string') throw new InvalidFilter('invalid_filter', `${at}.field`, 'field must be a string');
  const { field, kind } = resolveField(node.field, `${at}.field`, customFields, attributes);
  const op = node.op;
  if (typeof op !== 'string' || !(FILTER_OPS as readonly string[]).includes(op)) {
    throw new InvalidFilter('invalid_operator', `${at}.op`, `op must be one of ${FILTER_OPS.join(', ')}`);
  }
  if (!OPS_BY_KIND[kind].includes(op as FilterOp)) {
    throw new InvalidFilter('invalid_operator', `${at}.op`, `"${op}" does not apply to ${node.field} (${kind}); use ${OPS_BY_KIND[kind].join(', ')}`);
  }
  const valueAt = `${at}.value`;
  const scalar = (v: unknown, p: string) => parseScalar(field, kind, v, p);
  switch (op as FilterOp) {
    case 'exists':
    case 'not_exists':
      if (node.value !== undefined && node.value !== null && node.value !== true) {
        throw new InvalidFilter('invalid_value', valueAt, `${op} takes no value`);
      }
      return { field, kind, op: op as 'exists' | 'not_exists' };
    case 'in':
    case 'nin': {
      const list = node.value;
      if (!Array.isArray(list) || list.length === 0 || list.length > FILTER_LIMITS.listValues) {
        throw new InvalidFilter('invalid_value', valueAt, `${op} takes an array of 1 to ${FILTER_LIMITS.listValues} values`);
      }
      return { field, kind, op: op as 'in' | 'nin', value: list.map((v, i) => scalar(v, `${valueAt}[${i}]`)) };
    }
    case 'between': {
      const pair = node.value;
      if (!Array.isArray(pair) || pair.length !== 2) throw new InvalidFilter('invalid_value', valueAt, 'between takes [from, to]');
      const from = scalar(pair[0], `${valueAt}[0]`);
      const to = scalar(pair[1], `${valueAt}[1]`);
      if (from > to) throw new InvalidFilter('invalid_value', valueAt, 'between needs from ≤ to');
      return { field, kind, op: 'between', value: [from, to] };
    }
    default:
      return { field, kind, op: op as 'eq', value: scalar(node.value, valueAt) };
  }
}

function resolveField(name: string, at: string, customFields: ReadonlyMap<string, CustomFieldDefinition>, attributes: AttributesByName): { field: FieldRef; kind: ValueKind } {
  if (name.startsWith('client.attr.')) {
    const attribute = attributes.get(name.slice('client.attr.'.length).toLowerCase());
    if (!attribute) throw new InvalidFilter('unknown_field', at, `no client attribute "${name.slice('client.attr.'.length)}"`);
    return { field: { source: 'client_attr', id: attribute.id }, kind: KIND_OF_ATTRIBUTE_TYPE[attribute.type] };
  }
  if (name.startsWith('cf.')) {
    const key = name.slice(3);
    const def = customFields.get(key);
    if (!def || def.archived) throw new InvalidFilter('unknown_field', at, `no custom field "${key}"`);
    if (!def.usedForFiltering) throw new FieldNotFilterable(at, key);
    return { field: { source: 'custom', key }, kind: KIND_OF_CUSTOM_TYPE[def.type] };
  }
  if (Object.hasOwn(CORE_FIELDS, name)) {
    const core = name as CoreField;
    return { field: { source: 'core', name: core }, kind: CORE_FIELDS[core] };
  }
  throw new InvalidFilter('unknown_field', at, `unknown field "${name}"; use ${Object.keys(CORE_FIELDS).join(', ')} or cf.<key> or client.attr.<name>`);
}

function parseScalar(field: FieldRef, kind: ValueKind, value: unknown, at: string): Scalar {
  const bad = (expected: string) => new InvalidFilter('invalid_value', at, `expected ${expected}`);
  switch (kind) {
    case 'number':
    case 'number_array':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad('a number');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw bad('true or false');
      return value;
    case 'datetime': {
      if (typeof value !== 'string') throw bad('an ISO 8601 timestamp with a zone');
      const parsed = parseTimestamp(value, null);
      if (!parsed.ok) throw bad('an ISO 8601 timestamp with a zone');
      return parsed.date.toISOString();
    }
    case 'uuid':
      if (typeof value !== 'string' || !UUID.test(value)) throw bad('a uuid');
      return value.toLowerCase();
    case 'keyword':
    case 'keyword_array': {
      if (typeof value !== 'string' || value.length > 1000) throw bad('a string of at most 1000 characters');
      if (field.source === 'core' && field.name === 'direction') {
        const direction = normalizeDirection(value);
        if (!direction) throw bad('incoming or outcoming');
        return direction;
      }
      return value;
    }
  }
}
