// Retention purge beside ingest: seeds N old communications (COPY, indexed), starts a real earshot process
// on the same database, measures call ingest alone for S seconds (the baseline), then purges all N
// (communications past 365 days, 1,000 per transaction) while the same ingest runs, and reports the purge
// rate and ingest p50/p99 during the purge against the baseline. The server's search sync removes the
// purged documents meanwhile, as it would in production.
// Usage: npm run bench:retention [-- --rows 200000 --seconds 10 --clients 16]
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { Pool as HttpPool } from 'undici';
import { benchCallBody } from './lib/bench-calls.js';
import { openInProcess } from './lib/in-process.js';
import { ms, perSecond, report as section, times } from './lib/report.js';
import { seedCommunications } from './lib/seed-communications.js';
import { adminApi, adminSql, benchDatabaseUrl, startEarshot, stopEarshot } from './lib/server.js';
import { percentile, runFor } from './lib/stats.js';

const { values: args } = parseArgs({
  options: { rows: { type: 'string', default: '200000' }, seconds: { type: 'string', default: '10' }, clients: { type: 'string', default: '16' }, port: { type: 'string', default: '18095' } },
});
const ROWS = Number(args.rows);
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);
const PORT = Number(args.port);
const tag = Date.now().toString(36);

async function main() {
  const name = `earshot_bench_retention_${tag}`;
  await adminSql(`CREATE DATABASE "${name}"`);
  const url = benchDatabaseUrl(name);
  const { pool, db, services } = await openInProcess(url, 4);
  let server;
  try {
    await seedCommunications(pool, db, services, ROWS);
    server = await startEarshot(url, PORT);
    // Created by the server, whose secret key hashes its token (the in-process services have another).
    const integration = await adminApi(PORT, '/api/v1/admin/integrations', { name: 'live' });
    const http = new HttpPool(`http://127.0.0.1:${PORT}`, { connections: CLIENTS, pipelining: 1 });
    const headers = { authorization: integration.token!, 'content-type': 'application/json' };
    const path = `/api/v1/integrations/${integration.id!}/phone_calls`;
    let seq = 0;
    let reported = false;
    // Calls of today: the purge never takes them, it only works beside them.
    const post = async () => {
      const res = await http.request({ method: 'POST', path, headers, body: JSON.stringify({ ...benchCallBody(seq++, tag), started_at: new Date().toISOString() }) });
      if (res.statusCode !== 201 && !reported) {
        reported = true;
        console.error(`ingest answered ${res.statusCode}: ${(await res.body.text()).slice(0, 300)}`);
      } else await res.body.dump();
      return res.statusCode === 201;
    };

    const alone = await runFor(SECONDS, CLIENTS, post);
    console.log(`ingest alone: ${alone.rate.toFixed(0)} calls/s, p50 ${alone.p50.toFixed(1)} ms, p99 ${alone.p99.toFixed(1)} ms`);

    await services.retention.update({ default: { recordings_days: null, transcripts_days: null, communications_days: 365 }, integrations: new Map() });
    const t0 = performance.now();
    let lastLine = 0;
    let purging = true;
    const purge = services.retention
      .purge({
        onProgress: (p) => {
          if (performance.now() - lastLine > 2000) {
            lastLine = performance.now();
            console.log(`  purged ${p.done}/${p.total}`);
          }
        },
      })
      .finally(() => (purging = false));
    const latencies: number[] = [];
    let errors = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (purging) {
          const started = performance.now();
          if (!(await post())) errors++;
          latencies.push(performance.now() - started);
        }
      }),
    );
    const purged = await purge;
    const purgeSeconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    const during = { rate: latencies.length / purgeSeconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
    await http.close();
    const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM communications WHERE started_at < now() - interval '365 days'`.execute(db);

    const result = {
      rows: ROWS,
      purged: purged?.counts.communications,
      left_past_age: left.rows[0]?.n,
      purge_seconds: purgeSeconds,
      purge_rows_per_s: (purged?.counts.communications ?? 0) / purgeSeconds,
      ingest_alone: { calls_per_s: alone.rate, p50_ms: alone.p50, p99_ms: alone.p99, errors: alone.errors },
      ingest_during_purge: { calls_per_s: during.rate, p50_ms: during.p50, p99_ms: during.p99, errors: during.errors },
    };
    console.log(JSON.stringify(result, null, 2));
    section({
      title: `Retention purge of ${ROWS.toLocaleString('en-US')} communications beside ingest`,
      command: `npm run bench:retention -- --rows ${ROWS} --seconds ${SECONDS} --clients ${CLIENTS}`,
      rows: [
        { what: `purge (1,000 rows per transaction, SKIP LOCKED)`, earshot: `${purgeSeconds.toFixed(1)} s, ${perSecond(result.purge_rows_per_s, ' rows/s')}`, baseline: '', ratio: '' },
        { what: `ingest from ${CLIENTS} clients: p99`, earshot: `during purge: ${ms(during.p99)}`, baseline: `alone: ${ms(alone.p99)}`, ratio: times(during.p99 / alone.p99) },
        { what: `ingest from ${CLIENTS} clients: calls/s`, earshot: `during purge: ${perSecond(during.rate)}`, baseline: `alone: ${perSecond(alone.rate)}`, ratio: times(during.rate / alone.rate) },
      ],
    });
  } finally {
    if (server) await stopEarshot(server);
    await db.destroy();
    await adminSql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
