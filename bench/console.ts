// Console list page benchmark: seeds N communications (default 1,000,000; bench/lib/seed-communications.ts),
// signs in to the console, then times the communications list page (GET /console/communications with the
// filter in the URL: search + page render) against the JSON search API answering the same filter (POST
// /api/v1/communications/search), both in-process through app.request in the same run, and reports the
// page's size. Target: list page p95 ≤ 300 ms server time and pages under 200 KB.
// Usage: npm run bench:console [-- --rows 1000000 --runs 30 --warmup 5 --keep]
import { parseArgs } from 'node:util';
import { createApp } from '../server/http/app.js';
import { createMetrics } from '../server/http/metrics.js';
import { createLogger } from '../server/logger.js';
import { adminSql, BENCH_ADMIN_TOKEN, benchDatabaseUrl } from './lib/server.js';
import { prng, REGIONS, SPAN_MS, START, WORDS, seedCommunications } from './lib/seed-communications.js';
import { ms, report, times } from './lib/report.js';
import { openInProcess } from './lib/in-process.js';
import { percentile } from './lib/stats.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '30' }, warmup: { type: 'string', default: '5' }, keep: { type: 'boolean', default: false } } });
const ROWS = Number(args.rows);
const RUNS = Number(args.runs);
const WARMUP = Number(args.warmup);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface Case {
  name: string;
  /** The list page's query string and the search API body for the same question. */
  make: (r: () => number) => { query: Record<string, string>; api: Record<string, unknown> };
}

const CASES: Case[] = [
  { name: 'first page, no filter', make: () => ({ query: {}, api: {} }) },
  {
    name: 'custom field equality (cf.region)',
    make: (r) => {
      const region = REGIONS[Math.floor(r() * REGIONS.length)]!;
      return { query: { 'cf.region': region }, api: { filter: { and: [{ field: 'cf.region', op: 'eq', value: region }] } } };
    },
  },
  {
    name: 'number range (cf.wait from–to)',
    make: (r) => {
      const from = Math.floor(r() * 590);
      return {
        query: { 'cf.wait.min': String(from), 'cf.wait.max': String(from + 2) },
        api: { filter: { and: [{ field: 'cf.wait', op: 'gte', value: from }, { field: 'cf.wait', op: 'lte', value: from + 2 }] } },
      };
    },
  },
  {
    name: 'date range + operator',
    make: (r) => {
      const from = START + Math.floor(r() * (SPAN_MS - 40 * 86_400_000));
      const [a, b] = [day(from), day(from + 30 * 86_400_000)];
      const operator = `op-${Math.floor(r() * 50)}`;
      const end = new Date(Date.parse(`${b}T00:00:00Z`) + 86_400_000).toISOString();
      return {
        query: { 'started.from': a, 'started.to': b, operator, tz: 'UTC' },
        api: {
          filter: {
            and: [
              { field: 'started_at', op: 'gte', value: `${a}T00:00:00.000Z` },
              { field: 'started_at', op: 'lt', value: end },
              { field: 'operator_external_id', op: 'eq', value: operator },
            ],
          },
        },
      };
    },
  },
  {
    name: 'full text (q)',
    make: (r) => {
      const q = `${WORDS[Math.floor(r() * WORDS.length)]} ${WORDS[Math.floor(r() * WORDS.length)]}`;
      return { query: { q }, api: { q } };
    },
  },
  {
    name: 'q + direction + cf.vip + date',
    make: (r) => {
      const q = WORDS[Math.floor(r() * WORDS.length)]!;
      const from = day(START + Math.floor(r() * SPAN_MS));
      return {
        query: { q, direction: 'incoming', 'cf.vip': 'true', 'started.from': from, tz: 'UTC' },
        api: {
          q,
          filter: {
            and: [
              { field: 'direction', op: 'eq', value: 'incoming' },
              { field: 'started_at', op: 'gte', value: `${from}T00:00:00.000Z` },
              { field: 'cf.vip', op: 'eq', value: true },
            ],
          },
        },
      };
    },
  },
];

async function main() {
  const name = `earshot_bench_console_${Date.now().toString(36)}`;
  await adminSql(`CREATE DATABASE "${name}"`);
  const { pool, db, services } = await openInProcess(benchDatabaseUrl(name), 8);
  try {
    await services.adminAuth.ensureAdminToken(BENCH_ADMIN_TOKEN);
    await seedCommunications(pool, db, services, ROWS);
    const app = createApp({ services, metrics: createMetrics(), logger: createLogger('silent'), bodyLimitBytes: 1024 * 1024, version: 'bench' });

    const { token } = await services.consoleSessions.signIn(BENCH_ADMIN_TOKEN, 'bench');
    const cookie = `earshot_session=${token}`;
    const page = async (query: Record<string, string>) => {
      const res = await app.request(`/console/communications?${new URLSearchParams(query).toString()}`, { headers: { cookie } });
      const body = await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`list page answered ${res.status}`);
      return body.byteLength;
    };
    const api = async (body: Record<string, unknown>) => {
      const res = await app.request('/api/v1/communications/search', {
        method: 'POST',
        headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, limit: 50 }),
      });
      const bytes = (await res.arrayBuffer()).byteLength;
      if (res.status !== 200) throw new Error(`search API answered ${res.status}`);
      return bytes;
    };

    const results = [];
    for (const item of CASES) {
      const pageMs: number[] = [];
      const apiMs: number[] = [];
      let maxBytes = 0;
      const random = prng(11);
      for (let i = 0; i < RUNS + WARMUP; i++) {
        const { query, api: body } = item.make(random);
        // Alternate which goes first so neither always gets the warmer cache.
        const order = i % 2 === 0 ? (['page', 'api'] as const) : (['api', 'page'] as const);
        for (const which of order) {
          const t0 = performance.now();
          const bytes = which === 'page' ? await page(query) : await api(body);
          const ms = performance.now() - t0;
          if (i < WARMUP) continue;
          if (which === 'page') {
            pageMs.push(ms);
            maxBytes = Math.max(maxBytes, bytes);
          } else apiMs.push(ms);
        }
      }
      pageMs.sort((a, b) => a - b);
      apiMs.sort((a, b) => a - b);
      const row = {
        case: item.name,
        page_p50: percentile(pageMs, 50),
        page_p95: percentile(pageMs, 95),
        api_p50: percentile(apiMs, 50),
        api_p95: percentile(apiMs, 95),
        page_max_kb: maxBytes / 1024,
      };
      results.push(row);
      console.log(
        `${row.case.padEnd(34)} page p50 ${row.page_p50.toFixed(1)} / p95 ${row.page_p95.toFixed(1)} ms | JSON API p50 ${row.api_p50.toFixed(1)} / p95 ${row.api_p95.toFixed(1)} ms | p95 ratio ${(row.page_p95 / row.api_p95).toFixed(2)}× | page ≤ ${row.page_max_kb.toFixed(1)} KB`,
      );
    }
    const worst = Math.max(...results.map((r) => r.page_p95));
    const biggest = Math.max(...results.map((r) => r.page_max_kb));
    console.log(`worst list page p95 ${worst.toFixed(1)} ms (target ≤ 300), largest page ${biggest.toFixed(1)} KB (target < 200)`);
    console.log(JSON.stringify({ rows: ROWS, runs: RUNS, warmup: WARMUP, cases: results }, null, 2));
    report({
      title: `Console list page at ${ROWS.toLocaleString('en-US')} communications`,
      command: `npm run bench:console -- --rows ${ROWS} --runs ${RUNS}`,
      rows: results.map((r) => ({ what: `${r.case}: p50 / p95 (page ≤ ${r.page_max_kb.toFixed(1)} KB)`, earshot: `${ms(r.page_p50)} / ${ms(r.page_p95)}`, baseline: `JSON search API: ${ms(r.api_p50)} / ${ms(r.api_p95)}`, ratio: times(r.page_p95 / r.api_p95) })),
      notes: [`Worst list page p95 ${worst.toFixed(1)} ms (target ≤ 300 ms); largest page ${biggest.toFixed(1)} KB (target < 200 KB).`],
    });
  } finally {
    await db.destroy();
    if (args.keep) console.log(`kept database ${name}`);
    else await adminSql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
