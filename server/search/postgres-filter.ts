// The filter AST as SQL over the Postgres search index (search_documents d): keyword, boolean and array
// conditions as jsonb containment (GIN index), numbers and datetimes as earshot_number() ranges (expression
// indexes made by applySettings), started_at/duration/nps as columns. Missing values: ne/nin match them.
import { sql, type RawBuilder } from 'kysely';
import type { Condition, FilterNode, Scalar } from '../domain/filters.js';
import { normalizePhone } from '../domain/phone-number.js';
import { epochSeconds, filterAttribute } from './document.js';
import type { SearchScope } from './port.js';

type Bool = RawBuilder<boolean>;

const and = (parts: Bool[]): Bool => sql<boolean>`(${sql.join(parts, sql` and `)})`;
const or = (parts: Bool[]): Bool => sql<boolean>`(${sql.join(parts, sql` or `)})`;
const not = (part: Bool): Bool => sql<boolean>`(not coalesce(${part}, false))`;
const COMPARATORS = { gt: sql.raw('>'), gte: sql.raw('>='), lt: sql.raw('<'), lte: sql.raw('<=') } as const;

/** Columns the index keeps outside the jsonb document (operator_id too, as a uuid column). */
const COLUMNS = { started_at: 'd.started_at', duration: 'd.duration', nps: 'd.nps' } as const;

/** The expression an applySettings index covers for a numeric attribute of the document. */
export const numberExpression = (attribute: string, doc: string = 'd.doc') => sql`earshot_number(${sql.ref(doc)} -> ${sql.lit(attribute)})`;

export function attributeOf(cond: Condition): string {
  return filterAttribute(cond.field);
}

/** The caller's scope: operator ids by the indexed column, integration ids from the document. */
export function scopeToSql(scope: SearchScope): Bool[] {
  const parts: Bool[] = [];
  if (scope.integrationIds) parts.push(sql<boolean>`((d.doc ->> 'integration_id') = ANY(${[...scope.integrationIds]}::text[]))`);
  if (scope.operatorIds) parts.push(sql<boolean>`(d.operator_id = ANY(${[...scope.operatorIds]}::uuid[]))`);
  return parts;
}

export function filterToSql(node: FilterNode): Bool {
  if ('and' in node) return and(node.and.map(filterToSql));
  if ('or' in node) return or(node.or.map(filterToSql));
  return conditionToSql(node);
}

/** The SQL value of a filter value: datetimes as epoch seconds, uuids as uuid, numbers as float8. */
const sqlValue = (cond: Condition, v: Scalar) =>
  cond.kind === 'uuid' ? sql`${String(v)}::uuid` : sql`${cond.kind === 'datetime' ? epochSeconds(String(v)) : Number(v)}::float8`;

function conditionToSql(cond: Condition): Bool {
  const attribute = attributeOf(cond);
  if (attribute === 'client_phone') return phoneCondition(cond);
  if (attribute === 'operator_id') return scalarCondition(sql.ref('d.operator_id'), cond);
  switch (cond.kind) {
    case 'number':
    case 'datetime': {
      const column = attribute in COLUMNS ? sql.ref(COLUMNS[attribute as keyof typeof COLUMNS]) : numberExpression(attribute);
      return scalarCondition(column, cond);
    }
    case 'keyword_array':
    case 'number_array':
      return arrayCondition(attribute, cond);
    default:
      return equalityCondition(attribute, cond);
  }
}

const has = (attribute: string, value: unknown): Bool => sql<boolean>`(d.doc @> ${JSON.stringify({ [attribute]: value })}::jsonb)`;
const present = (attribute: string): Bool => sql<boolean>`(coalesce(d.doc -> ${attribute}, 'null'::jsonb) <> 'null'::jsonb)`;

function equalityCondition(attribute: string, cond: Condition): Bool {
  switch (cond.op) {
    case 'exists':
      return present(attribute);
    case 'not_exists':
      return not(present(attribute));
    case 'eq':
      return has(attribute, cond.value);
    case 'ne':
      return not(has(attribute, cond.value));
    case 'in':
      return or(cond.value.map((v) => has(attribute, v)));
    case 'nin':
      return not(or(cond.value.map((v) => has(attribute, v))));
    default:
      throw new Error(`${cond.op} does not apply to ${cond.kind}`);
  }
}

function scalarCondition(column: RawBuilder<unknown> | ReturnType<typeof sql.ref>, cond: Condition): Bool {
  const value = (v: Scalar) => sqlValue(cond, v);
  switch (cond.op) {
    case 'exists':
      return sql<boolean>`(${column} is not null)`;
    case 'not_exists':
      return sql<boolean>`(${column} is null)`;
    case 'eq':
      return sql<boolean>`(${column} = ${value(cond.value)})`;
    case 'ne':
      return sql<boolean>`(${column} is distinct from ${value(cond.value)})`;
    case 'in':
      return or(cond.value.map((v) => sql<boolean>`(${column} = ${value(v)})`));
    case 'nin':
      return not(or(cond.value.map((v) => sql<boolean>`(${column} = ${value(v)})`)));
    case 'between':
      return sql<boolean>`(${column} between ${value(cond.value[0])} and ${value(cond.value[1])})`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return sql<boolean>`(${column} ${COMPARATORS[cond.op]} ${value(cond.value)})`;
    case 'contains':
      throw new Error('contains is not a scalar operator');
  }
}

function arrayCondition(attribute: string, cond: Condition): Bool {
  const nonEmpty = sql<boolean>`(jsonb_typeof(d.doc -> ${attribute}) = 'array' and d.doc -> ${attribute} <> '[]'::jsonb)`;
  switch (cond.op) {
    case 'contains':
      return has(attribute, [cond.value]);
    case 'in':
      return or(cond.value.map((v) => has(attribute, [v])));
    case 'nin':
      return not(or(cond.value.map((v) => has(attribute, [v]))));
    case 'exists':
      return nonEmpty;
    case 'not_exists':
      return not(nonEmpty);
    default:
      throw new Error(`${cond.op} is not an array operator`);
  }
}

/** A phone matches as sent or by its E.164 form; the document holds both. */
export function phoneForms(value: string): string[] {
  const e164 = normalizePhone(value).e164;
  return e164 && e164 !== value ? [value, e164] : [value];
}

function phoneCondition(cond: Condition): Bool {
  const matches = (v: Scalar): Bool => or(phoneForms(String(v)).map((form) => has('client_phone', [form])));
  switch (cond.op) {
    case 'exists':
      return sql<boolean>`(d.doc -> 'client_phone' <> '[]'::jsonb)`;
    case 'not_exists':
      return sql<boolean>`(d.doc -> 'client_phone' = '[]'::jsonb)`;
    case 'eq':
      return matches(cond.value);
    case 'ne':
      return not(matches(cond.value));
    case 'in':
      return or(cond.value.map(matches));
    case 'nin':
      return not(or(cond.value.map(matches)));
    default:
      throw new Error(`${cond.op} does not apply to client_phone`);
  }
}
