// Ingest benchmark: N concurrent HTTP clients posting distinct calls to a real earshot process on real
// Postgres, against a baseline measured in the same run: a raw `pg` loop doing single-row INSERTs of a
// call row into the same table at the same concurrency. Each phase also reports the WAL it wrote, the
// flushes it waited for, and the CPU the machine spent per operation outside the load generator (earshot
// and Postgres, or Postgres alone for the baseline). Usage: npm run bench:ingest [-- --seconds 15 --clients 16,40,64] (the defaults; one run per count).
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Pool as HttpPool } from 'undici';
import { ms, perSecond, report as section, times, type ReportRow } from './lib/report.js';
import { runFor, type RunStats } from './lib/stats.js';
import { adminApi, adminSql, BENCH_SERVER, benchDatabaseUrl, startEarshot, stopEarshot } from './lib/server.js';
import { benchCallBody, RAW_INSERT, rawInsertValues } from './lib/bench-calls.js';
import { machineBusyUs, processCpuUs, rssMb } from './lib/proc.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    clients: { type: 'string', default: '16,40,64' },
    port: { type: 'string', default: '18080' },
  },
});
const SECONDS = Number(args.seconds);
const CLIENT_COUNTS = args.clients!.split(',').map(Number);
if (CLIENT_COUNTS.some((n) => !Number.isInteger(n) || n < 1 || n > 80)) throw new Error('--clients: counts from 1 to 80 (the baseline holds one connection per client)');
const PORT = Number(args.port);

/** Cluster-wide WAL counters (pg_stat_wal): what a phase wrote and how often it waited for a flush. */
async function walCounters(): Promise<{ bytes: number; syncs: number }> {
  const client = new pg.Client({ connectionString: BENCH_SERVER });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT wal_bytes::float8 AS bytes, wal_sync::float8 AS syncs FROM pg_stat_wal');
    return rows[0];
  } finally {
    await client.end();
  }
}

/** CPU this process (the load generator) has used, in microseconds. */
const loadGeneratorUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

type PhaseStats = RunStats & { wal_bytes_per_op: number; wal_syncs_per_op: number; server_side_cpu_us_per_op: number; load_generator_cpu_us_per_op: number };

/**
 * Runs a phase and adds its WAL bytes and flushes per operation, and the CPU per operation spent outside
 * this process (everything but the load generator: on this machine, earshot and Postgres).
 */
async function measured(phase: () => Promise<RunStats>): Promise<PhaseStats> {
  const wal = await walCounters();
  const busy = machineBusyUs();
  const own = loadGeneratorUs();
  const stats = await phase();
  const ownUs = loadGeneratorUs() - own;
  const busyUs = machineBusyUs() - busy;
  const walAfter = await walCounters();
  return {
    ...stats,
    wal_bytes_per_op: (walAfter.bytes - wal.bytes) / stats.ops,
    wal_syncs_per_op: (walAfter.syncs - wal.syncs) / stats.ops,
    server_side_cpu_us_per_op: (busyUs - ownUs) / stats.ops,
    load_generator_cpu_us_per_op: ownUs / stats.ops,
  };
}

/** Count and sum of the ingest batch-size histogram, from the server's /metrics. */
async function batchCounters(): Promise<{ batches: number; calls: number; single: number }> {
  const text = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  return {
    batches: value(/^earshot_ingest_batch_calls_count (\S+)$/m),
    calls: value(/^earshot_ingest_batch_calls_sum (\S+)$/m),
    single: value(/^earshot_ingest_batch_calls_bucket\{le="1"\} (\S+)$/m),
  };
}

const runTag = Date.now().toString(36);
let round = 0;
const callBody = (seq: number) => JSON.stringify(benchCallBody(seq, `${runTag}-${round}`));

async function baseline(url: string, integrationId: string, operatorId: string, clients: number): Promise<RunStats> {
  const pool = new pg.Pool({ connectionString: url, max: clients });
  const stats = await runFor(SECONDS, clients, async (seq) => {
    await pool.query(RAW_INSERT, rawInsertValues(integrationId, operatorId, `raw-${seq}-${randomUUID()}`, callBody(seq)));
    return true;
  });
  await pool.end();
  return stats;
}

async function earshot(integration: { id: string; token: string }, clients: number): Promise<RunStats> {
  const http = new HttpPool(`http://127.0.0.1:${PORT}`, { connections: clients, pipelining: 1 });
  const path = `/api/v1/integrations/${integration.id}/phone_calls`;
  round++;
  const stats = await runFor(SECONDS, clients, async (seq) => {
    const res = await http.request({ method: 'POST', path, headers: { authorization: integration.token, 'content-type': 'application/json' }, body: callBody(seq) });
    await res.body.dump();
    return res.statusCode === 201;
  });
  await http.close();
  return stats;
}

const fmt = (s: PhaseStats) =>
  `${s.rate.toFixed(0)}/s, p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, ${s.ops} ops, ${s.errors} errors, WAL ${(s.wal_bytes_per_op / 1024).toFixed(1)} KiB and ${s.wal_syncs_per_op.toFixed(2)} flushes per op`;

async function main() {
  const name = `earshot_bench_${runTag}`;
  await adminSql(`CREATE DATABASE "${name}"`);
  const url = benchDatabaseUrl(name);
  const server = await startEarshot(url, PORT);
  try {
    const integration = await adminApi(PORT, '/api/v1/admin/integrations', { name: 'bench' });
    let operatorId = '';
    for (let i = 0; i < 50; i++) operatorId = (await adminApi(PORT, '/api/v1/admin/operators', { external_id: `op-${i}` })).id!;
    await adminApi(PORT, '/api/v1/admin/custom_fields', { key: 'topic', name: 'Topic', type: 'string', used_for_filtering: true });
    await adminApi(PORT, '/api/v1/admin/custom_fields', { key: 'reopen_count', name: 'Reopen count', type: 'number' });

    const target = { id: integration.id!, token: integration.token! };
    await earshot(target, CLIENT_COUNTS[0]!); // warm-up run (JIT, pools), discarded
    const rows: ReportRow[] = [];
    for (const clients of CLIENT_COUNTS) {
      const rawFirst = await measured(() => baseline(url, integration.id!, operatorId, clients));
      const cpuBefore = processCpuUs(server.pid!);
      const batchesBefore = await batchCounters();
      const ours = await measured(() => earshot(target, clients));
      const serverCpuPerCallUs = (processCpuUs(server.pid!) - cpuBefore) / ours.ops;
      const batchesAfter = await batchCounters();
      const batchCount = batchesAfter.batches - batchesBefore.batches;
      const batches = { calls_per_batch: (batchesAfter.calls - batchesBefore.calls) / batchCount, single_call_share: (batchesAfter.single - batchesBefore.single) / batchCount };
      const memory = rssMb(server.pid!);
      const rawSecond = await measured(() => baseline(url, integration.id!, operatorId, clients));
      const ratio = ours.rate / ((rawFirst.rate + rawSecond.rate) / 2);
      const baselineCpu = (rawFirst.server_side_cpu_us_per_op + rawSecond.server_side_cpu_us_per_op) / 2;
      const cpuRatio = ours.server_side_cpu_us_per_op / baselineCpu;
      console.log(JSON.stringify({ clients, seconds: SECONDS, baseline_first: rawFirst, baseline_second: rawSecond, earshot: ours, ratio, server_side_cpu_ratio: cpuRatio, batches, server_rss_mb: memory, server_cpu_us_per_call: serverCpuPerCallUs }, null, 2));
      console.log(`\nbaseline (raw pg single-row INSERT, ${clients} clients): ${fmt(rawFirst)} | again after: ${fmt(rawSecond)}`);
      console.log(`earshot  (HTTP POST phone_calls, ${clients} clients):      ${fmt(ours)}`);
      console.log(`ratio earshot / baseline: ${ratio.toFixed(2)}×; server RSS ${memory.rss.toFixed(0)} MB (peak ${memory.peak.toFixed(0)} MB); server CPU ${serverCpuPerCallUs.toFixed(0)} µs/call`);
      console.log(`CPU per op outside the load generator: earshot + Postgres ${ours.server_side_cpu_us_per_op.toFixed(0)} µs, baseline Postgres ${baselineCpu.toFixed(0)} µs (${cpuRatio.toFixed(2)}×); load generator ${ours.load_generator_cpu_us_per_op.toFixed(0)} µs per HTTP call, ${rawFirst.load_generator_cpu_us_per_op.toFixed(0)} µs per pg insert`);
      console.log(`group commit: ${batches.calls_per_batch.toFixed(1)} calls per batch, ${(batches.single_call_share * 100).toFixed(0)}% of batches a single call\n`);
      const kib = (s: PhaseStats) => `${(s.wal_bytes_per_op / 1024).toFixed(1)} KiB`;
      rows.push(
        { what: `calls/s, ${clients} clients over HTTP (raw: single-row INSERT, same concurrency)`, earshot: perSecond(ours.rate), baseline: `${perSecond(rawFirst.rate)} before, ${perSecond(rawSecond.rate)} after`, ratio: times(ratio) },
        { what: `${clients} clients: latency p50 / p99`, earshot: `${ms(ours.p50)} / ${ms(ours.p99)}`, baseline: `${ms(rawFirst.p50)} / ${ms(rawFirst.p99)}`, ratio: '' },
        { what: `${clients} clients: WAL per call, WAL flushes per call`, earshot: `${kib(ours)}, ${ours.wal_syncs_per_op.toFixed(2)}`, baseline: `${kib(rawFirst)}, ${rawFirst.wal_syncs_per_op.toFixed(2)}`, ratio: '' },
        { what: `${clients} clients: server RSS (peak), server CPU per call`, earshot: `${memory.rss.toFixed(0)} MB (${memory.peak.toFixed(0)} MB), ${serverCpuPerCallUs.toFixed(0)} µs`, baseline: '', ratio: '' },
        { what: `${clients} clients: machine CPU per call outside the load generator (earshot and Postgres; raw: Postgres)`, earshot: `${ours.server_side_cpu_us_per_op.toFixed(0)} µs`, baseline: `${baselineCpu.toFixed(0)} µs`, ratio: times(cpuRatio) },
        { what: `${clients} clients: load generator CPU per operation (HTTP client; raw: pg client)`, earshot: `${ours.load_generator_cpu_us_per_op.toFixed(0)} µs`, baseline: `${rawFirst.load_generator_cpu_us_per_op.toFixed(0)} µs`, ratio: '' },
        { what: `${clients} clients: calls per group-committed batch (share of single-call batches)`, earshot: `${batches.calls_per_batch.toFixed(1)} (${(batches.single_call_share * 100).toFixed(0)}%)`, baseline: '', ratio: '' },
      );
    }
    section({ title: 'Call ingestion', command: `npm run bench:ingest -- --clients ${CLIENT_COUNTS.join(',')} --seconds ${SECONDS}`, rows });
  } finally {
    await stopEarshot(server);
    await adminSql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
