// Translates the filter AST into a Meilisearch filter expression with the Postgres adapter's semantics.
//
// Grammar facts this relies on (meilisearch crates/filter-parser): an attribute or value is a bare
// word of letters, digits, `_`, `-` and `.`, or a quoted string in which `\"` and `\\` are escapes.
// Custom field attributes are `cf_` + a key of [A-Za-z0-9_-], so they are always bare words and
// need no mapping; values are always quoted. String equality in Meilisearch is case-insensitive,
// unlike Postgres: that is the one difference the engines keep.
import type { Condition, FilterNode, Scalar } from '../domain/filters.js';
import { normalizePhone } from '../domain/phone-number.js';
import { epochSeconds, filterAttribute } from './document.js';
import type { SearchScope } from './port.js';

/** A string as a double-quoted filter value: backslashes and double quotes escaped. */
export function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A finite number as a filter word; `1e+21` is not a word (no `+`), `1e21` is and parses the same. */
export function formatNumber(n: number): string {
  return String(n).replace('e+', 'e');
}

export function toMeilisearchFilter(node: FilterNode): string {
  if ('and' in node) return group(node.and.map(toMeilisearchFilter), 'AND');
  if ('or' in node) return group(node.or.map(toMeilisearchFilter), 'OR');
  return condition(node);
}

/** The caller's scope as filter expressions (ANDed with the query's filter); empty lists match nothing. */
export function scopeFilters(scope: SearchScope): string[] {
  const parts: string[] = [];
  if (scope.integrationIds) parts.push(`integration_id IN ${list(scope.integrationIds.map(quote))}`);
  if (scope.operatorIds) parts.push(`operator_id IN ${list(scope.operatorIds.map(quote))}`);
  return parts;
}

const group = (parts: string[], joiner: 'AND' | 'OR'): string => (parts.length === 1 ? parts[0]! : `(${parts.join(` ${joiner} `)})`);

function attributeOf(cond: Condition): string {
  return filterAttribute(cond.field);
}

function literal(cond: Condition, value: Scalar): string {
  if (cond.kind === 'datetime') return formatNumber(epochSeconds(String(value)));
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return String(value);
  return quote(value);
}

const list = (values: string[]): string => `[${values.join(', ')}]`;

function condition(cond: Condition): string {
  const attribute = attributeOf(cond);
  if (cond.op === 'exists' || cond.op === 'not_exists') return existence(cond, attribute, cond.op === 'exists');
  if (cond.field.source === 'core' && cond.field.name === 'client_phone') return phone(cond, attribute);
  const value = (v: Scalar) => literal(cond, v);
  switch (cond.op) {
    case 'eq':
    case 'contains':
      return `${attribute} = ${value(cond.value)}`;
    // NOT keeps documents where the attribute is missing or null, as `is distinct from` does in SQL.
    case 'ne':
      return `NOT ${attribute} = ${value(cond.value)}`;
    case 'in':
      return `${attribute} IN ${list(cond.value.map(value))}`;
    case 'nin':
      return `NOT ${attribute} IN ${list(cond.value.map(value))}`;
    case 'gt':
      return `${attribute} > ${value(cond.value)}`;
    case 'gte':
      return `${attribute} >= ${value(cond.value)}`;
    case 'lt':
      return `${attribute} < ${value(cond.value)}`;
    case 'lte':
      return `${attribute} <= ${value(cond.value)}`;
    case 'between':
      return `${attribute} ${value(cond.value[0])} TO ${value(cond.value[1])}`;
  }
}

/**
 * "exists" means present and not blank, for every field alike (as in the Postgres adapter): scalars are
 * blank when null, arrays (tags, client_phone, custom arrays) when empty.
 */
function existence(cond: Condition, attribute: string, exists: boolean): string {
  const isArray = cond.kind === 'keyword_array' || cond.kind === 'number_array' || (cond.field.source === 'core' && cond.field.name === 'client_phone');
  const blank = isArray ? 'EMPTY' : 'NULL';
  return exists ? `(${attribute} EXISTS AND ${attribute} IS NOT ${blank})` : `(${attribute} NOT EXISTS OR ${attribute} IS ${blank})`;
}

/** The document holds the phone as sent and its E.164 form; a value matches either, as in SQL. */
function phone(cond: Condition, attribute: string): string {
  const forms = (v: Scalar): string[] => {
    const raw = String(v);
    return [raw, normalizePhone(raw).e164 ?? raw];
  };
  const anyOf = (values: Scalar[]) => `${attribute} IN ${list([...new Set(values.flatMap(forms))].map(quote))}`;
  switch (cond.op) {
    case 'eq':
      return anyOf([cond.value]);
    case 'ne':
      return `NOT ${anyOf([cond.value])}`;
    case 'in':
      return anyOf(cond.value);
    case 'nin':
      return `NOT ${anyOf(cond.value)}`;
    default:
      throw new Error(`${cond.op} does not apply to client_phone`);
  }
}
