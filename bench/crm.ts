// CRM push benchmark against a local webhook receiver, on a real earshot process and real Postgres.
// 1. Drain: N calls are posted while the connector is broken (their deliveries wait, paused); activating it
//    releases them all, and the time until every one is delivered gives the drain rate — against a baseline
//    in the same run: the bench process itself POSTing the same number of signed-size bodies to the same
//    receiver at the connector's concurrency.
// 2. A dead CRM must not slow ingestion: the ingest rate with the receiver up vs refusing connections.
// Usage: npm run bench:crm [-- --calls 10000 --seconds 10 --clients 16 --concurrency 16]
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Pool as HttpPool } from 'undici';
import { perSecond, report, times } from './lib/report.js';
import { adminApi, adminSql, benchDatabaseUrl, startEarshot, stopEarshot } from './lib/server.js';
import { runFor } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '16' },
    concurrency: { type: 'string', default: '16' },
    port: { type: 'string', default: '18280' },
  },
});
const CALLS = Number(args.calls);
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);
const CONCURRENCY = Number(args.concurrency);
const PORT = Number(args.port);
const tag = Date.now().toString(36);

/** A receiver that answers 200 at once (or refuses connections while `down`) and counts distinct webhook ids. */
async function startReceiver() {
  const ids = new Set<string>();
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      ids.add(String(req.headers['webhook-id']));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, port, ids, requests: () => requests, close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())) };
}

const callBody = (uid: string, seq: number) =>
  JSON.stringify({
    uid,
    operator_id: `op-${seq % 10}`,
    started_at: new Date(Date.UTC(2024, 0, 1) + seq * 1000).toISOString(),
    direction: 'incoming',
    duration: 30 + (seq % 600),
    client_phone_number: `+7912${String(1_000_000 + (seq % 8_999_999))}`,
    media_url: `https://pbx.example/rec/${uid}.wav`,
    client: { id: `client-${seq % 5000}` },
    custom_fields: { topic: 'Поддержка' },
  });

async function main() {
  const name = `earshot_bench_crm_${tag}`;
  await adminSql(`CREATE DATABASE "${name}"`);
  const receiver = await startReceiver();
  // The calls' media_urls are never fetched (pbx.example): deliveries do not wait for recordings here.
  const server = await startEarshot(benchDatabaseUrl(name), PORT, { EARSHOT_CRM_ALLOW: '127.0.0.1', EARSHOT_CRM_MEDIA_WAIT_SECONDS: '0' });
  const db = new pg.Client({ connectionString: benchDatabaseUrl(name) });
  await db.connect();
  try {
    const integration = await adminApi(PORT, '/api/v1/admin/integrations', { name: 'bench' });
    for (let i = 0; i < 10; i++) await adminApi(PORT, '/api/v1/admin/operators', { external_id: `op-${i}` });
    const connector = await adminApi(PORT, '/api/v1/admin/crm_connectors', { name: 'hook', kind: 'webhook', config: { url: receiver.url }, max_concurrency: CONCURRENCY });
    const http = new HttpPool(`http://127.0.0.1:${PORT}`, { connections: CLIENTS, pipelining: 1 });
    const path = `/api/v1/integrations/${integration.id}/phone_calls`;
    const post = async (uid: string, seq: number) => {
      const res = await http.request({ method: 'POST', path, headers: { authorization: integration.token!, 'content-type': 'application/json' }, body: callBody(uid, seq) });
      await res.body.dump();
      return res.statusCode === 201;
    };

    // ---- 1. drain -------------------------------------------------------------------------------
    await db.query(`UPDATE crm_connectors SET state = 'broken', broken_reason = 'bench: held back' WHERE id = $1`, [connector.id]);
    let next = 0;
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      for (let seq = next++; seq < CALLS; seq = next++) await post(`drain-${tag}-${seq}`, seq);
    }));
    for (;;) {
      const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM crm_deliveries WHERE state = 'paused'`);
      if (Number(rows[0]!.n) >= CALLS) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const t0 = performance.now();
    await adminApi(PORT, `/api/v1/admin/crm_connectors/${connector.id}/activate`, { resend_days: 1 });
    for (;;) {
      const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM crm_deliveries WHERE state = 'delivered'`);
      if (Number(rows[0]!.n) >= CALLS) break;
      if (performance.now() - t0 > 300_000) throw new Error(`only ${rows[0]!.n} of ${CALLS} delivered after 5 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const drainSeconds = (performance.now() - t0) / 1000;
    const drainRate = CALLS / drainSeconds;
    console.log(`drain: ${CALLS} deliveries in ${drainSeconds.toFixed(1)} s = ${drainRate.toFixed(0)}/s; receiver saw ${receiver.ids.size} distinct ids in ${receiver.requests()} requests`);

    // Baseline: the same number of POSTs of a webhook-sized body straight to the receiver, same concurrency.
    const distinct = receiver.ids.size;
    const received = receiver.requests();
    const sample = JSON.stringify({ id: 'x'.repeat(110), type: 'call.finished', data: JSON.parse(callBody('baseline', 1)) });
    const direct = new HttpPool(`http://127.0.0.1:${receiver.port}`, { connections: CONCURRENCY, pipelining: 1 });
    const b0 = performance.now();
    let sent = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (sent++ < CALLS) await (await direct.request({ method: 'POST', path: '/hook', headers: { 'content-type': 'application/json', 'webhook-id': `baseline-${sent}` }, body: sample })).body.dump();
    }));
    const baselineRate = CALLS / ((performance.now() - b0) / 1000);
    await direct.close();
    console.log(`baseline: bare POSTs to the receiver at concurrency ${CONCURRENCY}: ${baselineRate.toFixed(0)}/s`);

    // ---- 2. ingest with the CRM up vs down --------------------------------------------------------
    const up = await runFor(SECONDS, CLIENTS, (seq) => post(`up-${tag}-${seq}`, seq));
    await receiver.close(); // connections refused from now on
    const down = await runFor(SECONDS, CLIENTS, (seq) => post(`down-${tag}-${seq}`, seq));
    await http.close();
    console.log(`ingest with the CRM up: ${up.rate.toFixed(0)} calls/s (p99 ${up.p99.toFixed(1)} ms); down: ${down.rate.toFixed(0)} calls/s (p99 ${down.p99.toFixed(1)} ms); ratio ${(down.rate / up.rate).toFixed(2)}×`);

    report({
      title: 'CRM push (webhook connector, local receiver)',
      command: `npm run bench:crm -- --calls ${CALLS} --concurrency ${CONCURRENCY}`,
      rows: [
        { what: `drain of ${CALLS.toLocaleString('en-US')} deliveries, connector concurrency ${CONCURRENCY} (target ≥ 500/s)`, earshot: perSecond(drainRate, ' deliveries/s'), baseline: `bare POSTs to the receiver: ${perSecond(baselineRate)}`, ratio: times(drainRate / baselineRate) },
        { what: `ingest with the CRM down vs up, ${CLIENTS} clients (target ≥ 0.9×)`, earshot: `${perSecond(down.rate, ' calls/s')} down`, baseline: `${perSecond(up.rate, ' calls/s')} up`, ratio: times(down.rate / up.rate) },
      ],
      notes: [`The receiver saw ${distinct.toLocaleString('en-US')} distinct webhook ids in ${received.toLocaleString('en-US')} requests for ${CALLS.toLocaleString('en-US')} deliveries.`],
    });
  } finally {
    await db.end();
    await stopEarshot(server);
    await receiver.close().catch(() => {});
    await adminSql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
