// Search over communications in Postgres: the filter AST translated to SQL, keyset-paged by the sort keys.
import { sql, type RawBuilder } from 'kysely';
import type { Condition, CoreField, FilterNode, Scalar } from '../../domain/filters.js';
import { normalizePhone } from '../../domain/phone-number.js';
import type { CursorValues, SortKey } from '../../domain/sorting.js';
import { communicationColumns, type CommunicationDetail } from './communications.js';
import type { Executor } from './executor.js';

type Bool = RawBuilder<boolean>;

const CORE_COLUMNS: Record<Exclude<CoreField, 'client_phone' | 'tags'>, string> = {
  kind: 'c.kind',
  uid: 'c.uid',
  operator_id: 'c.operator_id',
  operator_external_id: 'o.external_id',
  department_id: 'c.department_id',
  integration_id: 'c.integration_id',
  direction: 'c.direction',
  started_at: 'c.started_at',
  duration: 'c.duration_s',
  client_id: 'cl.external_id',
  nps: 'c.nps',
};

const SORT_EXPRESSIONS: Record<SortKey['field'], RawBuilder<unknown>> = {
  started_at: sql`c.started_at`,
  duration: sql`coalesce(c.duration_s, '-Infinity'::float8)`,
  nps: sql`coalesce(c.nps, '-Infinity'::float8)`,
};

const and = (parts: Bool[]): Bool => sql<boolean>`(${sql.join(parts, sql` and `)})`;
const or = (parts: Bool[]): Bool => sql<boolean>`(${sql.join(parts, sql` or `)})`;
const not = (part: Bool): Bool => sql<boolean>`(not coalesce(${part}, false))`;

const COMPARATORS = { gt: sql.raw('>'), gte: sql.raw('>='), lt: sql.raw('<'), lte: sql.raw('<=') } as const;

export function filterToSql(node: FilterNode): Bool {
  if ('and' in node) return and(node.and.map(filterToSql));
  if ('or' in node) return or(node.or.map(filterToSql));
  return node.field.source === 'core' ? coreCondition(node.field.name, node) : customCondition(node.field.key, node);
}

function coreCondition(name: CoreField, cond: Condition): Bool {
  if (name === 'tags') return arrayCondition(sql`c.tags`, cond, (v) => sql`array[${v}]::text[]`, (vs) => sql`${vs}::text[]`);
  if (name === 'client_phone') return phoneCondition(cond);
  const column = sql.ref(CORE_COLUMNS[name]);
  const cast = cond.kind === 'datetime' ? (v: Scalar) => sql`${v}::timestamptz` : (v: Scalar) => sql`${v}`;
  return scalarCondition(column, cond, cast);
}

function scalarCondition(column: RawBuilder<unknown> | ReturnType<typeof sql.ref>, cond: Condition, cast: (v: Scalar) => RawBuilder<unknown>): Bool {
  switch (cond.op) {
    case 'exists':
      return sql<boolean>`(${column} is not null)`;
    case 'not_exists':
      return sql<boolean>`(${column} is null)`;
    case 'eq':
      return sql<boolean>`(${column} = ${cast(cond.value)})`;
    case 'ne':
      return sql<boolean>`(${column} is distinct from ${cast(cond.value)})`;
    case 'in':
      return or(cond.value.map((v) => sql<boolean>`(${column} = ${cast(v)})`));
    case 'nin':
      return not(or(cond.value.map((v) => sql<boolean>`(${column} = ${cast(v)})`)));
    case 'between':
      return sql<boolean>`(${column} between ${cast(cond.value[0])} and ${cast(cond.value[1])})`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return sql<boolean>`(${column} ${COMPARATORS[cond.op]} ${cast(cond.value)})`;
    case 'contains':
      throw new Error(`contains is not a scalar operator`);
  }
}

function arrayCondition(
  column: RawBuilder<unknown>,
  cond: Condition,
  one: (v: Scalar) => RawBuilder<unknown>,
  many: (vs: Scalar[]) => RawBuilder<unknown>,
): Bool {
  switch (cond.op) {
    case 'contains':
      return sql<boolean>`(${column} @> ${one(cond.value)})`;
    case 'in':
      return sql<boolean>`(${column} && ${many(cond.value)})`;
    case 'nin':
      return not(sql<boolean>`(${column} && ${many(cond.value)})`);
    case 'exists':
      return sql<boolean>`(cardinality(${column}) > 0)`;
    case 'not_exists':
      return sql<boolean>`(cardinality(${column}) = 0)`;
    default:
      throw new Error(`${cond.op} is not an array operator`);
  }
}

function phoneCondition(cond: Condition): Bool {
  const matches = (v: Scalar): Bool => {
    const e164 = normalizePhone(String(v)).e164;
    return sql<boolean>`(c.client_phone_raw = ${v} or c.client_phone_e164 = ${e164 ?? String(v)})`;
  };
  switch (cond.op) {
    case 'exists':
      return sql<boolean>`(c.client_phone_raw is not null)`;
    case 'not_exists':
      return sql<boolean>`(c.client_phone_raw is null)`;
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

function customCondition(key: string, cond: Condition): Bool {
  const value = sql`(c.custom_fields -> ${key})`;
  const has = (v: unknown): Bool => sql<boolean>`(c.custom_fields @> ${JSON.stringify({ [key]: v })}::jsonb)`;
  if (cond.op === 'exists') return sql<boolean>`(c.custom_fields ? ${key})`;
  if (cond.op === 'not_exists') return not(sql<boolean>`(c.custom_fields ? ${key})`);
  switch (cond.kind) {
    case 'keyword_array':
    case 'number_array':
      if (cond.op === 'contains') return has([cond.value]);
      if (cond.op === 'in') return or(cond.value.map((v) => has([v])));
      if (cond.op === 'nin') return not(or(cond.value.map((v) => has([v]))));
      break;
    case 'keyword':
    case 'boolean':
      if (cond.op === 'eq') return has(cond.value);
      if (cond.op === 'ne') return not(has(cond.value));
      if (cond.op === 'in') return or(cond.value.map(has));
      if (cond.op === 'nin') return not(or(cond.value.map(has)));
      break;
    case 'number':
      return scalarCondition(sql`(case when jsonb_typeof(${value}) = 'number' then (${value})::float8 end)`, cond, (v) => sql`${v}::float8`);
    case 'datetime':
      return scalarCondition(sql`(case when jsonb_typeof(${value}) = 'string' then c.custom_fields ->> ${key} end)`, cond, (v) => sql`${v}::text`);
  }
  throw new Error(`${cond.op} does not apply to ${cond.kind}`);
}

function keysetCondition(sort: SortKey[], cursor: CursorValues): Bool {
  const expressions = [...sort.map((k) => SORT_EXPRESSIONS[k.field]), sql`c.id`];
  const dirs = [...sort.map((k) => k.dir), sort.at(-1)!.dir];
  const values = cursor.map((v, i) => {
    if (i === sort.length) return sql`${v}::uuid`;
    if (sort[i]!.field === 'started_at') return sql`${v}::timestamptz`;
    return v === null ? sql`'-Infinity'::float8` : sql`${v}::float8`;
  });
  const branches = expressions.map((expr, i) => {
    const equalBefore = expressions.slice(0, i).map((e, j) => sql<boolean>`(${e} = ${values[j]})`);
    const beyond = sql<boolean>`(${expr} ${sql.raw(dirs[i] === 'asc' ? '>' : '<')} ${values[i]})`;
    return and([...equalBefore, beyond]);
  });
  return or(branches);
}

export interface SearchPage {
  rows: CommunicationDetail[];
  hasMore: boolean;
}

export async function searchCommunications(
  db: Executor,
  query: { filter: FilterNode | undefined; sort: SortKey[]; cursor: CursorValues | undefined; limit: number },
): Promise<SearchPage> {
  const where: Bool[] = [];
  if (query.filter) where.push(filterToSql(query.filter));
  if (query.cursor) where.push(keysetCondition(query.sort, query.cursor));
  let select = communicationColumns(db);
  if (where.length > 0) select = select.where(and(where));
  for (const key of query.sort) select = select.orderBy(SORT_EXPRESSIONS[key.field], key.dir);
  select = select.orderBy('c.id', query.sort.at(-1)!.dir);
  const rows = (await select.limit(query.limit + 1).execute()) as CommunicationDetail[];
  return { rows: rows.slice(0, query.limit), hasMore: rows.length > query.limit };
}

/** Counts matches up to `cap`; beyond it the caller reports the cap as an estimate. */
export async function countCommunications(db: Executor, filter: FilterNode | undefined, cap: number): Promise<number> {
  let inner = db
    .selectFrom('communications as c')
    .leftJoin('operators as o', 'o.id', 'c.operator_id')
    .leftJoin('clients as cl', 'cl.id', 'c.client_id')
    .select(sql`1`.as('one'));
  if (filter) inner = inner.where(filterToSql(filter));
  const row = await db
    .selectFrom(inner.limit(cap).as('matches'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
