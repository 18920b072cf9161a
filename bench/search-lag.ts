// Index lag under ingest load: N clients post distinct calls (with transcripts) to a real earshot process
// for S seconds while a probe posts a marked call every 250 ms and polls the search API until it is found.
// Reports probe lag p50/p95/max, the server's own lag histogram, and the ingest rate reached meanwhile.
// Usage: npm run bench:search-lag [-- --seconds 15 --clients 16]
import { parseArgs } from 'node:util';
import { Pool as HttpPool } from 'undici';
import { adminApi, adminSql, BENCH_ADMIN_TOKEN, benchDatabaseUrl, startEarshot, stopEarshot } from './lib/server.js';
import { ms, perSecond, report as section } from './lib/report.js';
import { percentile, runFor } from './lib/stats.js';

const { values: args } = parseArgs({
  options: { seconds: { type: 'string', default: '15' }, clients: { type: 'string', default: '16' }, port: { type: 'string', default: '18090' } },
});
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);
const PORT = Number(args.port);
const BASE = `http://127.0.0.1:${PORT}`;
const tag = Date.now().toString(36);
const PHRASES = ['клиент просит возобновления доступа', 'оформить возврат за подписку', 'уточнение тарифа и роуминга', 'жалоба на качество связи'];

const body = (uid: string, seq: number, transcript: string) =>
  JSON.stringify({
    uid,
    operator_id: `op-${seq % 20}`,
    started_at: new Date(Date.UTC(2024, 0, 1) + seq * 1000).toISOString(),
    direction: seq % 2 ? 'incoming' : 'outgoing',
    duration: 30 + (seq % 600),
    client_phone_number: `+7912${String(1_000_000 + (seq % 8_999_999))}`,
    media_url: `https://pbx.example/rec/${uid}.wav`,
    client: { id: `client-${seq % 5000}`, first_name: 'Ivan' },
    custom_fields: { topic: 'Поддержка' },
    transcript,
  });

/** Histogram quantile from Prometheus cumulative buckets (upper bound of the bucket that reaches q). */
function histogramQuantile(metrics: string, name: string, q: number): number {
  const buckets = [...metrics.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`, 'gm'))].map((m) => ({ le: Number(m[1]), count: Number(m[2]) }));
  const total = buckets.at(-1)?.count ?? 0;
  return buckets.find((b) => b.count >= q * total)?.le ?? NaN;
}

async function main() {
  const name = `earshot_bench_lag_${tag}`;
  await adminSql(`CREATE DATABASE "${name}"`);
  const server = await startEarshot(benchDatabaseUrl(name), PORT);
  try {
    const integration = await adminApi(PORT, '/api/v1/admin/integrations', { name: 'bench' });
    for (let i = 0; i < 20; i++) await adminApi(PORT, '/api/v1/admin/operators', { external_id: `op-${i}` });
    await adminApi(PORT, '/api/v1/admin/custom_fields', { key: 'topic', name: 'Topic', type: 'string', used_for_filtering: true });
    const http = new HttpPool(BASE, { connections: CLIENTS + 2, pipelining: 1 });
    const path = `/api/v1/integrations/${integration.id}/phone_calls`;
    const headers = { authorization: integration.token!, 'content-type': 'application/json' };

    const lags: number[] = [];
    let probing = true;
    const probe = (async () => {
      for (let i = 0; probing; i++) {
        const uid = `probe-${tag}-${i}`;
        const posted = performance.now();
        await (await http.request({ method: 'POST', path, headers, body: body(uid, i, 'контрольный звонок') })).body.dump();
        for (;;) {
          const res = await http.request({
            method: 'POST',
            path: '/api/v1/communications/search',
            headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify({ filter: { field: 'uid', op: 'eq', value: uid }, limit: 1 }),
          });
          const found = ((await res.body.json()) as { items?: unknown[] }).items?.length === 1;
          if (found) break;
          if (performance.now() - posted > 30_000) throw new Error(`${uid} not searchable after 30 s`);
          await new Promise((r) => setTimeout(r, 20));
        }
        lags.push(performance.now() - posted);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const load = await runFor(SECONDS, CLIENTS, async (seq) => {
      const res = await http.request({ method: 'POST', path, headers, body: body(`load-${tag}-${seq}`, seq, PHRASES[seq % PHRASES.length]!) });
      await res.body.dump();
      return res.statusCode === 201;
    });
    probing = false;
    await probe;
    // Let the sync catch up, then read its own lag histogram.
    for (let i = 0; i < 150; i++) {
      const ready = (await (await fetch(`${BASE}/readyz`)).json()) as { outbox: { search: { pending: number } } };
      if (ready.outbox.search.pending === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const metrics = await (await fetch(`${BASE}/metrics`)).text();
    await http.close();
    lags.sort((a, b) => a - b);
    const report = {
      clients: CLIENTS,
      seconds: SECONDS,
      ingest_calls_per_s: load.rate,
      ingest_p99_ms: load.p99,
      ingest_errors: load.errors,
      probes: lags.length,
      probe_lag_ms: { p50: percentile(lags, 50), p95: percentile(lags, 95), max: lags.at(-1) },
      server_lag_histogram_s: { p50: histogramQuantile(metrics, 'earshot_search_index_lag_seconds', 0.5), p95: histogramQuantile(metrics, 'earshot_search_index_lag_seconds', 0.95) },
    };
    console.log(JSON.stringify(report, null, 2));
    section({
      title: 'Search index lag under ingest load',
      command: `npm run bench:search-lag -- --clients ${CLIENTS} --seconds ${SECONDS}`,
      rows: [
        { what: `posted call → searchable, under ${perSecond(load.rate, ' calls/s')} from ${CLIENTS} clients: p50 / p95 / max`, earshot: `${ms(report.probe_lag_ms.p50)} / ${ms(report.probe_lag_ms.p95)} / ${ms(report.probe_lag_ms.max ?? NaN)}`, baseline: 'target p95 ≤ 1 s', ratio: report.probe_lag_ms.p95 <= 1000 ? 'met' : 'missed' },
      ],
    });
    console.log(
      `\nunder ${load.rate.toFixed(0)} calls/s from ${CLIENTS} clients: ${lags.length} probes searchable after p50 ${report.probe_lag_ms.p50.toFixed(0)} ms, ` +
        `p95 ${report.probe_lag_ms.p95.toFixed(0)} ms, max ${report.probe_lag_ms.max?.toFixed(0)} ms; server histogram p95 ≤ ${report.server_lag_histogram_s.p95} s`,
    );
  } finally {
    await stopEarshot(server);
    await adminSql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
