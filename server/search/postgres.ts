// The Postgres SearchIndex: documents in search_documents, a Russian + simple tsvector over their text,
// jsonb containment (GIN) for keyword filters and per-field expression indexes for numeric filters.
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../db/repositories/executor.js';
import { decodeCursor, encodeCursor, type SortKey } from '../domain/sorting.js';
import type { SearchDocument } from './document.js';
import { highlightHtml, MATCH_END, MATCH_START } from './highlight.js';
import { filterToSql, scopeToSql } from './postgres-filter.js';
import { startRebuild } from './postgres-rebuild.js';
import { createCustomIndex, customIndexes, indexNames, LIVE_TABLE, writeDocuments } from './postgres-storage.js';
import { SearchEngineError, type IndexRebuild, type IndexSettings, type SearchHealth, type SearchIndex, type SearchQuery, type SearchResult } from './port.js';

const SORT_EXPRESSIONS: Record<SortKey['field'], RawBuilder<unknown>> = {
  started_at: sql`d.started_at`,
  duration: sql`coalesce(d.duration, '-Infinity'::float8)`,
  nps: sql`coalesce(d.nps, '-Infinity'::float8)`,
};
/**
 * A planner's estimate above this is checked by counting at most this many + 1 matches (cheap): the
 * estimate of a table never analysed (a fresh install) can be ten times the rows. Below it, the count
 * goes up to COUNT_CAP.
 */
const EXACT_COUNT_BELOW = 1_000;
const COUNT_CAP = 5_000;
const HEADLINE_OPTIONS = `StartSel=${MATCH_START}, StopSel=${MATCH_END}, MaxWords=24, MinWords=8, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "`;

const tsquery = (q: string) => sql`(websearch_to_tsquery('pg_catalog.russian', ${q}) || websearch_to_tsquery('pg_catalog.simple', ${q}))`;

export class PostgresSearchIndex implements SearchIndex {
  readonly engine = 'postgres' as const;

  constructor(private readonly db: Executor) {}

  async applySettings(settings: IndexSettings): Promise<void> {
    const wanted = customIndexes(settings);
    const existing = (await indexNames(this.db, LIVE_TABLE)).filter((name) => name.startsWith('search_cf_'));
    for (const [name, attribute] of wanted) {
      if (!existing.includes(name)) await createCustomIndex(this.db, LIVE_TABLE, name, attribute);
    }
    for (const name of existing) {
      if (!wanted.has(name)) await sql`DROP INDEX IF EXISTS ${sql.id(name)}`.execute(this.db);
    }
  }

  upsert(documents: SearchDocument[]): Promise<void> {
    return writeDocuments(this.db, LIVE_TABLE, documents);
  }

  rebuild(options: { resume: boolean }): Promise<IndexRebuild> {
    return startRebuild(this.db, options.resume);
  }

  async delete(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await sql`DELETE FROM search_documents WHERE id = ANY(${ids}::uuid[])`.execute(this.db);
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const q = query.q?.trim() || undefined;
    const where: Array<RawBuilder<boolean>> = [];
    if (query.scope) where.push(...scopeToSql(query.scope));
    if (query.filter) where.push(filterToSql(query.filter));
    if (q) where.push(sql<boolean>`(d.tsv @@ ${tsquery(q)})`);
    const matching = where.length > 0 ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``;
    const page = [...where];
    if (query.cursor) page.push(keysetCondition(query.sort, decodeCursor(query.sort, query.cursor)));
    const pageWhere = page.length > 0 ? sql`WHERE ${sql.join(page, sql` AND `)}` : sql``;
    const order = sql.join([...query.sort.map((k) => sql`${SORT_EXPRESSIONS[k.field]} ${sql.raw(k.dir)}`), sql`d.id ${sql.raw(query.sort.at(-1)!.dir)}`]);
    const headline = q ? sql`ts_headline('pg_catalog.russian', d.content, ${tsquery(q)}, ${HEADLINE_OPTIONS})` : sql`NULL::text`;
    try {
      const [rows, total] = await Promise.all([
        sql<{ id: string; started_at: number; duration: number | null; nps: number | null; highlight: string | null }>`
          SELECT d.id, d.started_at, d.duration, d.nps, ${headline} AS highlight
          FROM (SELECT d.id, d.started_at, d.duration, d.nps, d.content FROM search_documents d ${pageWhere}
                ORDER BY ${order} LIMIT ${query.limit + 1}) d
          ORDER BY ${order}`.execute(this.db),
        sql`EXPLAIN (FORMAT JSON) SELECT 1 FROM search_documents d ${matching}`.execute(this.db),
      ]);
      const hits = rows.rows.slice(0, query.limit);
      // The page query's subselect is ordered; the outer select keeps that order for a plain scan of it.
      const last = hits.at(-1);
      return {
        hits: hits.map((h) => (h.highlight === null ? { id: h.id } : { id: h.id, highlight: highlightHtml(h.highlight) })),
        nextCursor:
          rows.rows.length > query.limit && last
            ? encodeCursor(query.sort, [...query.sort.map((k) => (k.field === 'started_at' ? new Date(Math.round(last.started_at * 1000)).toISOString() : last[k.field])), last.id])
            : null,
        estimatedTotal: await this.total(matching, rows.rows.length, query, planRows(total.rows[0])),
      };
    } catch (error) {
      throw new SearchEngineError(`postgres search failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * Counting every match of a broad query means fetching thousands of rows; the planner's estimate is free.
   * A first page that is not full is the whole answer; otherwise the matches are counted up to a bound (a
   * thousand and one when the estimate is above a thousand, else COUNT_CAP), and the estimate is only
   * believed once the count reaches the bound: never an estimate above an exact count.
   */
  private async total(matching: RawBuilder<unknown>, pageRows: number, query: SearchQuery, estimate: number): Promise<number> {
    if (!query.cursor && pageRows <= query.limit) return pageRows;
    const bound = estimate > EXACT_COUNT_BELOW ? EXACT_COUNT_BELOW + 1 : COUNT_CAP;
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM search_documents d ${matching} LIMIT ${bound}) m`.execute(this.db);
    const counted = rows[0]?.n ?? 0;
    return counted >= bound ? Math.max(counted, Math.round(estimate)) : counted;
  }

  async health(): Promise<SearchHealth> {
    try {
      await sql`SELECT 1 FROM search_documents LIMIT 1`.execute(this.db);
      return { status: 'ok' };
    } catch (error) {
      return { status: 'unavailable', detail: error instanceof Error ? error.message : String(error) };
    }
  }
}

function planRows(row: unknown): number {
  const explained = Object.values(row as Record<string, unknown>)[0];
  const plan = (typeof explained === 'string' ? JSON.parse(explained) : explained) as Array<{ Plan: { 'Plan Rows': number } }>;
  return plan[0]?.Plan['Plan Rows'] ?? 0;
}

function keysetCondition(sort: SortKey[], cursor: Array<string | number | null>): RawBuilder<boolean> {
  const expressions = [...sort.map((k) => SORT_EXPRESSIONS[k.field]), sql`d.id`];
  const dirs = [...sort.map((k) => k.dir), sort.at(-1)!.dir];
  const values = cursor.map((v, i) => {
    if (i === sort.length) return sql`${v}::uuid`;
    if (sort[i]!.field === 'started_at') return sql`${Date.parse(String(v)) / 1000}::float8`;
    return v === null ? sql`'-Infinity'::float8` : sql`${v}::float8`;
  });
  const branches = expressions.map((expr, i) => {
    const equalBefore = expressions.slice(0, i).map((e, j) => sql<boolean>`(${e} = ${values[j]})`);
    return sql<boolean>`(${sql.join([...equalBefore, sql<boolean>`(${expr} ${sql.raw(dirs[i] === 'asc' ? '>' : '<')} ${values[i]})`], sql` AND `)})`;
  });
  return sql<boolean>`(${sql.join(branches, sql` OR `)})`;
}
