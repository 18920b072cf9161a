// Group commit at the database alone, without HTTP or background jobs: the Postgres CPU per call of the
// ingest batch write (writeCallBatch → earshot_write_call_batch) at several batch sizes, against the
// same-run baseline of a single-row INSERT into communications committed alone (as in bench/ingest.ts),
// measured before and after. One connection each, its backend's CPU read from /proc/<pid>/stat: the
// machine's load moves the wall times but hardly the CPU. Postgres must run on this machine.
// Usage: npm run bench:ingest-write [-- --calls 4000 --sizes 1,4,16,64]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from '../server/db/migrator.js';
import type { Database } from '../server/db/schema.js';
import { writeCallBatch, type CallBatchRow } from '../server/db/repositories/call-batch.js';
import { report as section, times, type ReportRow } from './lib/report.js';
import { adminSql, benchDatabaseUrl } from './lib/server.js';
import { benchCallBody, RAW_INSERT, rawInsertValues } from './lib/bench-calls.js';
import { processCpuUs } from './lib/proc.js';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '4000' },
    sizes: { type: 'string', default: '1,4,16,64' },
  },
});
const CALLS = Number(args.calls);
const SIZES = args.sizes!.split(',').map(Number);

interface Cost {
  /** Backend CPU per call, µs. */
  postgres: number;
  /** This process's CPU per call (building and sending the statement, reading the answer), µs. */
  client: number;
  /** Wall time per call, µs. */
  wall: number;
}

async function measure(db: Kysely<Database>, calls: number, perStatement: number, statement: () => Promise<unknown>): Promise<Cost> {
  // Kysely hands each query a pooled connection; with a pool of one it is always this backend.
  const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db);
  const pid = rows[0]!.pid;
  const statements = Math.ceil(calls / perStatement);
  const postgres = processCpuUs(pid);
  const client = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < statements; i++) await statement();
  const wall = (performance.now() - started) * 1000;
  const used = process.cpuUsage(client);
  const n = statements * perStatement;
  return { postgres: (processCpuUs(pid) - postgres) / n, client: (used.user + used.system) / n, wall: wall / n };
}

async function main() {
  const name = `earshot_bench_write_${Date.now().toString(36)}`;
  await adminSql(`CREATE DATABASE "${name}"`);
  const pool = new pg.Pool({ connectionString: benchDatabaseUrl(name), max: 1 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db);
    const integration = await db.insertInto('integrations').values({ name: 'bench', token_hash: 'not-a-token' }).returning('id').executeTakeFirstOrThrow();
    const operators = await db
      .insertInto('operators')
      .values(Array.from({ length: 50 }, (_, i) => ({ external_id: `op-${i}` })))
      .returning('id')
      .execute();
    const tag = randomUUID().slice(0, 8);
    let seq = 0;
    // The body bench/ingest.ts posts, as the ingest service hands it to the batch write.
    const row = (idx: number): CallBatchRow => {
      const raw = benchCallBody(seq++, tag);
      const phone = raw.client_phone_number;
      return {
        idx, integration_id: integration.id, uid: raw.uid, operator_external_id: raw.operator_id,
        client_external_id: raw.client.id, client_first_name: raw.client.first_name, client_last_name: raw.client.last_name, client_company_name: null, client_phone: phone,
        direction: raw.direction === 'incoming' ? 'incoming' : 'outcoming', started_at: raw.started_at, duration_s: raw.duration,
        client_phone_raw: phone, client_phone_e164: phone, chain_uid: null, nps: null, custom_fields: raw.custom_fields, tags: null,
        media_url: raw.media_url, transcript: null, warnings: [], raw,
      };
    };
    const single = () =>
      db.executeQuery(CompiledQuery.raw(RAW_INSERT, rawInsertValues(integration.id, operators[0]!.id, `raw-${seq}-${tag}`, JSON.stringify(benchCallBody(seq++, tag)))));

    await measure(db, Math.min(CALLS, 500), 1, single); // warm-up: caches, plans, JIT
    await measure(db, Math.min(CALLS, 500), 8, () => writeCallBatch(db, Array.from({ length: 8 }, (_, i) => row(i))));
    const before = await measure(db, CALLS, 1, single);
    const batches = [];
    for (const size of SIZES) batches.push({ size, cost: await measure(db, CALLS, size, () => writeCallBatch(db, Array.from({ length: size }, (_, i) => row(i)))) });
    const after = await measure(db, CALLS, 1, single);
    const baseline = (before.postgres + after.postgres) / 2;

    const us = (n: number) => `${n.toFixed(0)} µs`;
    const describe = (c: Cost) => `${us(c.postgres)} (client ${us(c.client)}, wall ${us(c.wall)})`;
    console.log(`single-row INSERT, committed alone: Postgres CPU per call ${describe(before)} before, ${describe(after)} after`);
    for (const { size, cost } of batches) console.log(`batch of ${size}: Postgres CPU per call ${describe(cost)} → ${(cost.postgres / baseline).toFixed(2)}× the single-row INSERT`);
    const rows: ReportRow[] = batches.map(({ size, cost }) => ({
      what: `Postgres CPU per call, batch write of ${size} (raw: single-row INSERT committed alone)`,
      earshot: describe(cost),
      baseline: `${describe(before)} before, ${describe(after)} after`,
      ratio: times(cost.postgres / baseline),
    }));
    section({
      title: 'Group commit at the database (one connection, no HTTP, no jobs)',
      command: `npm run bench:ingest-write -- --calls ${CALLS} --sizes ${SIZES.join(',')}`,
      rows,
      notes: ['A batch write upserts the client, the call and its outbox rows in one transaction; the baseline inserts the call row alone. Lower is better.'],
    });
  } finally {
    await db.destroy();
    await adminSql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
