// Search benchmark on the Postgres search index. Seeds N communications (default 1,000,000) with 10 custom
// fields and Russian transcripts, generated from a fixed seed and loaded with COPY; rebuilds the index with
// the backfill (docs/s); then times six representative queries through the search service against the raw
// SQL a DBA would write for the same question on the communications table, in the same run.
// Usage: npm run bench:search [-- --rows 1000000 --runs 30 --warmup 5 --keep]  (--keep leaves the database for inspection)
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../server/config.js';
import { migrateToLatest } from '../server/db/migrator.js';
import { recordingSettings } from '../server/media/recording-settings.js';
import type { Database } from '../server/db/schema.js';
import { createServices } from '../server/services/index.js';
import { percentile } from './lib/stats.js';
import { ms, perSecond, report, times } from './lib/report.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '30' }, keep: { type: 'boolean', default: false }, warmup: { type: 'string', default: '5' } } });
const ROWS = Number(args.rows);
const RUNS = Number(args.runs);
/** Unmeasured runs of each query first, so p95 describes a warm cache rather than the first touch after the load. */
const WARMUP = Number(args.warmup);
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbUrl = (name: string) => Object.assign(new URL(SERVER), { pathname: `/${name}` }).toString();

/** mulberry32: a small, fixed-seed PRNG so every run seeds the same data. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'здравствуйте добрый день клиент оператор звонок доступа доступ возобновления возобновление кабинет личный пароль ' +
  'заказ доставка возврат деньги оплата карта счёт тариф роуминг интернет связь качество жалоба претензия ' +
  'подписка отмена продление скидка акция договор номер телефона адрес курьер склад срок неделя месяц ' +
  'спасибо пожалуйста минуту уточните проверьте сообщите ошибка приложение сайт вход логин блокировка ' +
  'разблокировка документы паспорт перевод баланс списание начисление бонусы консультация менеджер'
).split(' ');
const TOPICS = Array.from({ length: 20 }, (_, i) => `Тема ${i}`);
const REGIONS = Array.from({ length: 50 }, (_, i) => `Регион ${i}`);
const MOODS = ['calm', 'angry', 'neutral'];
const FIELDS: Array<Record<string, unknown>> = [
  { key: 'topic', type: 'string' },
  { key: 'level', type: 'number' },
  { key: 'due', type: 'datetime' },
  { key: 'vip', type: 'boolean' },
  { key: 'labels', type: 'string_array' },
  { key: 'scores', type: 'number_array' },
  { key: 'mood', type: 'enum', options: MOODS },
  { key: 'site', type: 'string_url' },
  { key: 'wait', type: 'duration' },
  { key: 'region', type: 'string' },
];
const START = Date.UTC(2023, 0, 1);
const SPAN_MS = 730 * 86_400_000;

/** COPY text format: backslash, tab, newline and carriage return escaped. */
const copyText = (value: string) => value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');

function* rows(integrationId: string, operators: string[], departments: string[]): Generator<string> {
  const random = prng(20261123);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  for (let i = 0; i < ROWS; i++) {
    const operator = i % operators.length;
    const startedAt = new Date(START + Math.floor(random() * SPAN_MS)).toISOString();
    const words = Array.from({ length: 30 + Math.floor(random() * 60) }, () => pick(WORDS));
    const custom = {
      topic: pick(TOPICS),
      level: Math.floor(random() * 10),
      due: new Date(START + Math.floor(random() * SPAN_MS)).toISOString(),
      vip: random() < 0.1,
      labels: [`l${Math.floor(random() * 20)}`, `l${Math.floor(random() * 20)}`],
      scores: [Math.floor(random() * 5), Math.floor(random() * 5)],
      mood: pick(MOODS),
      site: `https://shop.example/orders/${i}`,
      wait: Math.round(random() * 6000) / 10,
      region: pick(REGIONS),
    };
    const phone = `+7912${String(1_000_000 + Math.floor(random() * 8_999_999))}`;
    yield [
      'call',
      integrationId,
      `bench-${i}`,
      operators[operator],
      departments[operator % departments.length],
      random() < 0.5 ? 'incoming' : 'outcoming',
      startedAt,
      String(Math.floor(random() * 900)),
      phone,
      phone,
      random() < 0.3 ? '\\N' : String(Math.floor(random() * 11)),
      copyText(JSON.stringify(custom)),
      `{${random() < 0.2 ? 'vip' : 'regular'}}`,
      copyText(JSON.stringify(words.join(' '))),
      '[]',
      '{}',
    ].join('\t') + '\n';
  }
}

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
  const pool = new pg.Pool({ connectionString: dbUrl(name), max: 4 });
  pool.on('error', (error) => console.error('pool:', error.message));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db);
    const config = loadConfig({ EARSHOT_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'earshot-bench-')) });
    const services = createServices(db, { secretKey: 'bench-secret-key-0123456789abcdef', publicUrl: 'http://bench', tokenCacheSeconds: 60, recordings: recordingSettings(config) });
    const integration = await services.integrations.create({ name: 'bench' });
    const departments = [(await services.departments.create({ name: 'A' })).id, (await services.departments.create({ name: 'B' })).id];
    const operators: string[] = [];
    for (let i = 0; i < 50; i++) operators.push((await services.operators.create({ external_id: `op-${i}` })).id);
    OPERATOR_IDS.push(...operators);
    for (const field of FIELDS) await services.customFields.define({ name: String(field.key), used_for_filtering: true, ...field } as never);

    let t0 = performance.now();
    const client = await pool.connect();
    await pipeline(
      Readable.from(rows(integration.id, operators, departments)),
      client.query(
        copyFrom(`COPY communications (kind, integration_id, uid, operator_id, department_id, direction, started_at, duration_s, client_phone_raw,
          client_phone_e164, nps, custom_fields, tags, transcript, warnings, raw) FROM STDIN`),
      ),
    );
    client.release();
    await sql`ANALYZE communications`.execute(db);
    const seedSeconds = (performance.now() - t0) / 1000;
    console.log(`seeded ${ROWS} communications with COPY in ${seedSeconds.toFixed(1)} s (${(ROWS / seedSeconds).toFixed(0)} rows/s)`);

    t0 = performance.now();
    let last = 0;
    const backfill = await services.searchBackfill.run({
      batchSize: 2000,
      onProgress: (p) => {
        if (performance.now() - last > 5000 || p.done === p.total) {
          last = performance.now();
          console.log(`  backfill ${p.done}/${p.total}, ${(p.done / ((performance.now() - t0) / 1000)).toFixed(0)} docs/s`);
        }
      },
    });
    await sql`ANALYZE search_documents`.execute(db);
    const backfillSeconds = (performance.now() - t0) / 1000;
    console.log(`backfill: ${backfill.indexed} documents in ${backfillSeconds.toFixed(1)} s = ${(backfill.indexed / backfillSeconds).toFixed(0)} docs/s`);

    const results = [];
    for (const query of QUERIES) {
      const ours: number[] = [];
      const raw: number[] = [];
      const [r1, r2] = [prng(7), prng(7)];
      for (let i = 0; i < RUNS + WARMUP; i++) {
        const request = query.earshot(r1);
        const statement = query.raw(r2);
        const a = await timed(() => services.communications.search({ ...request, limit: 50 }));
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
