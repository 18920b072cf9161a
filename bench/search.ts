// Search benchmark on the Postgres search index. Seeds N communications (default 1,000,000) with 10 custom
// fields and Russian transcripts, generated from a fixed seed and loaded with COPY; rebuilds the index with
// the backfill (docs/s); then times six representative queries through the search service against the raw
// SQL a DBA would write for the same question on the communications table, in the same run.
// Usage: npm run bench:search [-- --rows 1000000 --runs 30 --warmup 5 --keep]  (--keep leaves the database for inspection)
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openInProcess } from './lib/in-process.js';
import { percentile } from './lib/stats.js';
import { ms, perSecond, report, times } from './lib/report.js';
import { prng, REGIONS, SPAN_MS, START, WORDS, seedCommunications } from './lib/seed-communications.js';
import { ALL_INTEGRATIONS } from '../server/domain/access-scope.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '30' }, keep: { type: 'boolean', default: false }, warmup: { type: 'string', default: '5' } } });
const ROWS = Number(args.rows);
const RUNS = Number(args.runs);
/** Unmeasured runs of each query first, so p95 describes a warm cache rather than the first touch after the load. */
const WARMUP = Number(args.warmup);
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbUrl = (name: string) => Object.assign(new URL(SERVER), { pathname: `/${name}` }).toString();

interface Query {
  name: string;
  /** The search request, as the API takes it. */
  earshot: (r: () => number) => { q?: string; filter?: unknown };
  /** The same question in raw SQL on communications (what a DBA would write), with its capped count. */
  raw: (r: () => number) => { text: string; values: unknown[] };
  /** Raw runs when each is a full scan (text search without an index), to keep the bench bounded. */
  rawRuns?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Filled once the operators exist. */
const OPERATOR_IDS: string[] = [];
const capped = (where: string) =>
  `WITH page AS (SELECT id FROM communications c WHERE ${where} ORDER BY started_at DESC, id DESC LIMIT 50)
   SELECT (SELECT count(*) FROM (SELECT 1 FROM communications c WHERE ${where} LIMIT 10000) m) AS total, array(SELECT id FROM page) AS ids`;

const QUERIES: Query[] = [
  {
    name: 'custom field equality (cf.region eq)',
    earshot: (r) => ({ filter: { field: 'cf.region', op: 'eq', value: REGIONS[Math.floor(r() * 50)] } }),
    raw: (r) => ({ text: capped(`c.custom_fields @> jsonb_build_object('region', $1::text)`), values: [REGIONS[Math.floor(r() * 50)]] }),
  },
  {
    name: 'numeric range (cf.wait between)',
    earshot: (r) => {
      const from = Math.floor(r() * 590);
      return { filter: { field: 'cf.wait', op: 'between', value: [from, from + 2] } };
    },
    raw: (r) => {
      const from = Math.floor(r() * 590);
      return { text: capped(`(c.custom_fields ->> 'wait')::float8 BETWEEN $1 AND $2`), values: [from, from + 2] };
    },
  },
  {
    name: 'date range + operator',
    earshot: (r) => {
      const from = START + Math.floor(r() * (SPAN_MS - 30 * 86_400_000));
      return { filter: { and: [{ field: 'started_at', op: 'between', value: [iso(from), iso(from + 30 * 86_400_000)] }, { field: 'operator_id', op: 'eq', value: OPERATOR_IDS[Math.floor(r() * 50)] }] } };
    },
    raw: (r) => {
      const from = START + Math.floor(r() * (SPAN_MS - 30 * 86_400_000));
      return { text: capped(`c.started_at BETWEEN $1 AND $2 AND c.operator_id = $3`), values: [iso(from), iso(from + 30 * 86_400_000), OPERATOR_IDS[Math.floor(r() * 50)]] };
    },
  },
  {
    name: 'array contains (cf.labels contains)',
    earshot: (r) => ({ filter: { field: 'cf.labels', op: 'contains', value: `l${Math.floor(r() * 20)}` } }),
    raw: (r) => ({ text: capped(`c.custom_fields @> jsonb_build_object('labels', jsonb_build_array($1::text))`), values: [`l${Math.floor(r() * 20)}`] }),
  },
  {
    name: 'q text',
    earshot: (r) => ({ q: `${WORDS[Math.floor(r() * WORDS.length)]} ${WORDS[Math.floor(r() * WORDS.length)]}` }),
    raw: (r) => ({
      text: capped(`to_tsvector('russian', c.transcript #>> '{}') @@ plainto_tsquery('russian', $1)`),
      values: [`${WORDS[Math.floor(r() * WORDS.length)]} ${WORDS[Math.floor(r() * WORDS.length)]}`],
    }),
    rawRuns: 3,
  },
  {
    name: 'q + 3 filters',
    earshot: (r) => ({
      q: WORDS[Math.floor(r() * WORDS.length)],
      filter: { and: [{ field: 'direction', op: 'eq', value: 'incoming' }, { field: 'cf.vip', op: 'eq', value: true }, { field: 'started_at', op: 'gte', value: iso(START + Math.floor(r() * SPAN_MS)) }] },
    }),
    raw: (r) => ({
      text: capped(
        `to_tsvector('russian', c.transcript #>> '{}') @@ plainto_tsquery('russian', $1) AND c.direction = 'incoming' AND c.custom_fields @> '{"vip": true}' AND c.started_at >= $2`,
      ),
      values: [WORDS[Math.floor(r() * WORDS.length)], iso(START + Math.floor(r() * SPAN_MS))],
    }),
    rawRuns: 3,
  },
];

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main() {
  const name = `earshot_bench_search_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const { pool, db, services } = await openInProcess(dbUrl(name), 4);
  try {
    const seeded = await seedCommunications(pool, db, services, ROWS);
    OPERATOR_IDS.push(...seeded.operators);
    const [seedSeconds, backfillSeconds, backfill] = [seeded.seedSeconds, seeded.backfillSeconds, { indexed: seeded.indexed }];

    const results = [];
    for (const query of QUERIES) {
      const ours: number[] = [];
      const raw: number[] = [];
      const [r1, r2] = [prng(7), prng(7)];
      for (let i = 0; i < RUNS + WARMUP; i++) {
        const request = query.earshot(r1);
        const statement = query.raw(r2);
        const a = await timed(() => services.communications.search(ALL_INTEGRATIONS, { ...request, limit: 50 }));
        if (i >= WARMUP) ours.push(a);
        if (query.rawRuns === undefined || i < query.rawRuns) {
          const b = await timed(() => pool.query(statement.text, statement.values));
          if (query.rawRuns !== undefined || i >= WARMUP) raw.push(b);
        }
      }
      ours.sort((x, y) => x - y);
      raw.sort((x, y) => x - y);
      const row = {
        query: query.name,
        raw_runs: raw.length,
        earshot_p50: percentile(ours, 50),
        earshot_p95: percentile(ours, 95),
        raw_p50: percentile(raw, 50),
        raw_p95: percentile(raw, 95),
      };
      results.push(row);
      console.log(
        `${row.query.padEnd(40)} earshot p50 ${row.earshot_p50.toFixed(1)} / p95 ${row.earshot_p95.toFixed(1)} ms | raw SQL (${raw.length} runs) p50 ${row.raw_p50.toFixed(1)} / p95 ${row.raw_p95.toFixed(1)} ms | p95 ratio ${(row.earshot_p95 / row.raw_p95).toFixed(2)}×`,
      );
    }
    report({
      title: `Search at ${ROWS.toLocaleString('en-US')} communications (Postgres engine)`,
      command: `npm run bench:search -- --rows ${ROWS} --runs ${RUNS}`,
      rows: [
        ...results.map((r) => ({ what: `${r.query}: p50 / p95`, earshot: `${ms(r.earshot_p50)} / ${ms(r.earshot_p95)}`, baseline: `raw SQL (${r.raw_runs} runs): ${ms(r.raw_p50)} / ${ms(r.raw_p95)}`, ratio: times(r.earshot_p95 / r.raw_p95) })),
        { what: 'full backfill into the Postgres index', earshot: perSecond(backfill.indexed / backfillSeconds, ' docs/s'), baseline: `COPY seed: ${perSecond(ROWS / seedSeconds, ' rows/s')}`, ratio: times(backfill.indexed / backfillSeconds / (ROWS / seedSeconds)) },
      ],
    });
    console.log(JSON.stringify({ rows: ROWS, runs: RUNS, seed_rows_per_s: ROWS / seedSeconds, backfill_docs_per_s: backfill.indexed / backfillSeconds, queries: results }, null, 2));
  } finally {
    await db.destroy();
    if (args.keep) console.log(`kept database ${name}`);
    else await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
