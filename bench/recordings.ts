// Recordings benchmark, three parts, each against a baseline measured in the same run:
//  1. CDR pull: a cdr table growing to 100,000 rows. A run with 10,000 new rows on the 100k table vs the
//     same on a 10k table, and a run with 0 new rows on each (must not grow with table size).
//  2. Range reads: random 64 KB seeks into a 50 MB recording through GET /media/{id} (signed URL, full
//     Range handling) vs a bare node:http server doing fs ranges; seeks/s and RSS growth.
//  3. Upload: a 100 MB PUT .../recording streamed to the store vs a bare node:http server piping to a
//     file; time and RSS growth.
// Usage: npm run bench:recordings [-- --seconds 5 --rows 100000 --new 10000]
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { Pool as HttpPool } from 'undici';
import { migrateToLatest } from '../server/db/migrator.js';
import type { Database } from '../server/db/schema.js';
import { createApp } from '../server/http/app.js';
import { createMetrics } from '../server/http/metrics.js';
import { createLogger } from '../server/logger.js';
import { DestinationPolicy } from '../server/media/destination-policy.js';
import { LocalMediaStore } from '../server/media/local-store.js';
import { createServices } from '../server/services/index.js';
import { DEFAULT_PARTY_PATTERNS } from '../server/sources/cdr-parties.js';
import { perSecond, report, times } from './lib/report.js';
import { runFor } from './lib/stats.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rows: { type: 'string', default: '100000' }, new: { type: 'string', default: '10000' } } });
const SECONDS = Number(args.seconds);
const ROWS = Number(args.rows);
const NEW = Number(args.new);
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ADMIN = 'bench-admin-token-0123456789abcdef0123456789';
const work = mkdtempSync(path.join(os.tmpdir(), 'earshot-bench-rec-'));

const dbUrl = (name: string) => Object.assign(new URL(SERVER), { pathname: `/${name}` }).toString();
async function admin(text: string) {
  const client = new pg.Client({ connectionString: SERVER });
  await client.connect();
  await client.query(text);
  await client.end();
}

/** Peak RSS growth (MB) over the start of `task`, sampled every 10 ms. */
async function measureRss<T>(task: () => Promise<T>): Promise<{ result: T; growthMb: number; ms: number }> {
  global.gc?.();
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const t0 = performance.now();
  const result = await task();
  const ms = performance.now() - t0;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { result, growthMb: (peak - start) / 1024 / 1024, ms };
}

const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

async function main() {
  const name = `earshot_bench_rec_${Date.now().toString(36)}`;
  await admin(`CREATE DATABASE "${name}"`);
  const url = dbUrl(name);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 10 }) }) });
  const server: { close(): void }[] = [];
  try {
    await migrateToLatest(db);
    const services = createServices(db, {
      secretKey: 'bench-secret-key-0123456789abcdef0123456789',
      publicUrl: 'http://127.0.0.1',
      tokenCacheSeconds: 5,
      recordings: { store: new LocalMediaStore(path.join(work, 'media')), policy: new DestinationPolicy(), limitBytes: 200 * 1024 * 1024, fetchTimeoutMs: 60_000, maxRedirects: 3, urlTtlSeconds: 3600 },
    });
    await services.adminAuth.ensureAdminToken(ADMIN);
    const app = createApp({ services, metrics: createMetrics(), logger: createLogger('silent'), bodyLimitBytes: 1024 * 1024, version: 'bench' });
    const earshot = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    server.push(earshot);
    await new Promise((r) => earshot.once('listening', r));
    const port = (earshot.address() as AddressInfo).port;
    const integration = await services.integrations.create({ name: 'bench' });
    for (let ext = 100; ext < 200; ext++) await services.operators.create({ external_id: String(ext) });

    // ---- 1. CDR pull ----------------------------------------------------------------------------
    await sql`CREATE TABLE cdr (calldate timestamp NOT NULL, clid text, src text, dst text, duration int, billsec int, disposition text, uniqueid text, linkedid text, recordingfile text)`.execute(db);
    await sql`CREATE INDEX cdr_calldate_idx ON cdr (calldate)`.execute(db);
    let inserted = 0;
    const addRows = async (count: number) => {
      await sql`INSERT INTO cdr (calldate, src, dst, duration, billsec, disposition, uniqueid, linkedid, recordingfile)
        SELECT timestamp '2024-01-01' + make_interval(secs => (${inserted} + g) * 3), (100 + (${inserted} + g) % 100)::text, '+7495' || lpad(g::text, 7, '0'),
          65, 60, CASE WHEN g % 7 = 0 THEN 'NO ANSWER' ELSE 'ANSWERED' END, (1704067200 + g)::text || '.' || (${inserted} + g), (1704067200 + g)::text || '.' || (${inserted} + g), ''
        FROM generate_series(1, ${count}) AS g`.execute(db);
      inserted += count;
      await sql`ANALYZE cdr`.execute(db);
    };
    const source = await services.pullSources.create({
      name: 'bench', kind: 'asterisk_cdr_sql', integration_id: integration.id, schedule: '* * * * *', active: true,
      config: { url, table: 'cdr', overlap_seconds: 3600, party_patterns: DEFAULT_PARTY_PATTERNS, timezone: 'UTC', extension_map: {}, recording_wait_minutes: 0, settle_seconds: 0 },
    });
    const timed = async (label: string) => {
      const t0 = performance.now();
      const stats = await services.pullSources.run(source.id);
      const ms = performance.now() - t0;
      console.log(`  ${label}: ${ms.toFixed(0)} ms (read ${stats.read}, new calls ${stats.created}, seen before ${stats.seen_before})`);
      return { ms, stats };
    };
    console.log(`CDR pull (Postgres cdr table, one row per 3 s, overlap 1 h = 1200 rows re-read per run):`);
    await addRows(NEW);
    const newSmall = await timed(`${NEW} new rows, table of ${inserted}`);
    const zeroSmall = await timed(`0 new rows, table of ${inserted}`);
    await addRows(ROWS - 2 * NEW);
    await timed(`${ROWS - 2 * NEW} new rows (filling the table)`);
    await addRows(NEW);
    const newBig = await timed(`${NEW} new rows, table of ${inserted}`);
    const zeroBig = await timed(`0 new rows, table of ${inserted}`);
    const zeroRepeat = await timed(`0 new rows again, table of ${inserted}`);
    console.log(`  ratio 10k-new run, 100k vs 10k table: ${(newBig.ms / newSmall.ms).toFixed(2)}×; 0-new run: ${(Math.min(zeroBig.ms, zeroRepeat.ms) / zeroSmall.ms).toFixed(2)}×`);

    // ---- 2. Range reads --------------------------------------------------------------------------
    const big = path.join(work, 'big.wav');
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', big, 'synth', '1640', 'sine', '440', 'vol', '0.5']);
    const size = statSync(big).size;
    const call = await services.callIngest.ingest({ operator_id: '100', started_at: '2024-01-01T00:00:00Z', uid: 'range', media_url: null }, {}, { id: integration.id, defaultTimezone: null });
    await services.recordings.attach(call.id, await services.recordings.save(createReadStream(big), 'audio/wav'));
    const signed = new URL((await services.recordings.describe(call.id))!.url!);
    const bare = createServer((req, res) => {
      const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '')!;
      const [s, e] = [Number(m[1]), Number(m[2])];
      res.writeHead(206, { 'content-range': `bytes ${s}-${e}/${size}`, 'content-length': e - s + 1 });
      createReadStream(big, { start: s, end: e }).pipe(res);
    });
    server.push(bare);
    const barePort = await listen(bare);
    const seeks = async (target: number, pathAndQuery: string) => {
      const pool = new HttpPool(`http://127.0.0.1:${target}`, { connections: 32, pipelining: 1 });
      const { result, growthMb } = await measureRss(() =>
        runFor(SECONDS, 32, async () => {
          const start = Math.floor(Math.random() * (size - 65536));
          const res = await pool.request({ path: pathAndQuery, method: 'GET', headers: { range: `bytes=${start}-${start + 65535}` } });
          const body = await res.body.arrayBuffer();
          return res.statusCode === 206 && body.byteLength === 65536;
        }),
      );
      await pool.close();
      return { ...result, growthMb };
    };
    console.log(`Range reads: random 64 KB seeks into a ${(size / 1e6).toFixed(0)} MB recording, 32 concurrent clients, ${SECONDS} s each:`);
    const baseSeeks = await seeks(barePort, '/');
    console.log(`  bare node:http + fs (baseline): ${baseSeeks.rate.toFixed(0)} seeks/s, p50 ${baseSeeks.p50.toFixed(1)} ms, p99 ${baseSeeks.p99.toFixed(1)} ms, RSS +${baseSeeks.growthMb.toFixed(0)} MB, errors ${baseSeeks.errors}`);
    const ourSeeks = await seeks(port, signed.pathname + signed.search);
    console.log(`  earshot GET /media/{id}:        ${ourSeeks.rate.toFixed(0)} seeks/s, p50 ${ourSeeks.p50.toFixed(1)} ms, p99 ${ourSeeks.p99.toFixed(1)} ms, RSS +${ourSeeks.growthMb.toFixed(0)} MB, errors ${ourSeeks.errors}`);
    console.log(`  ratio earshot / baseline: ${(ourSeeks.rate / baseSeeks.rate).toFixed(2)}×`);

    // ---- 3. Upload ---------------------------------------------------------------------------------
    const upload = path.join(work, 'upload.wav');
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', upload, 'synth', '3277', 'whitenoise', 'vol', '0.5']);
    const uploadSize = statSync(upload).size;
    await services.callIngest.ingest({ operator_id: '100', started_at: '2024-01-01T00:00:00Z', uid: 'upload', media_url: null }, {}, { id: integration.id, defaultTimezone: null });
    const sink = createServer((req, res) => {
      pipeline(req, createWriteStream(path.join(work, 'sink.wav'))).then(() => res.writeHead(200).end('{}'));
    });
    server.push(sink);
    const sinkPort = await listen(sink);
    const put = (target: number, pathName: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: target, path: pathName, method: 'PUT', headers: { 'content-type': 'audio/wav', 'content-length': String(uploadSize), ...headers } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        createReadStream(upload).pipe(req);
      });
    console.log(`Upload of a ${(uploadSize / 1e6).toFixed(0)} MB recording:`);
    const baseUpload = await measureRss(() => put(sinkPort, '/', {}));
    console.log(`  bare node:http piping to a file (baseline): ${baseUpload.ms.toFixed(0)} ms, RSS +${baseUpload.growthMb.toFixed(0)} MB`);
    const ourUpload = await measureRss(() => put(port, `/api/v1/integrations/${integration.id}/phone_calls/upload/recording`, { authorization: integration.token }));
    console.log(`  earshot PUT .../recording (hash, fsync, probe): ${ourUpload.ms.toFixed(0)} ms, status ${ourUpload.result}, RSS +${ourUpload.growthMb.toFixed(0)} MB`);
    console.log(`  ratio earshot / baseline time: ${(ourUpload.ms / baseUpload.ms).toFixed(2)}×`);
    const zeroBest = Math.min(zeroBig.ms, zeroRepeat.ms);
    report({
      title: 'Recordings',
      command: 'npm run bench:recordings',
      rows: [
        { what: `CDR pull, ${NEW.toLocaleString('en-US')} new rows on a ${ROWS.toLocaleString('en-US')}-row table`, earshot: `${newBig.ms.toFixed(0)} ms`, baseline: `same on a ${NEW.toLocaleString("en-US")}-row table: ${newSmall.ms.toFixed(0)} ms`, ratio: times(newBig.ms / newSmall.ms) },
        { what: `CDR pull, 0 new rows on the ${ROWS.toLocaleString('en-US')}-row table`, earshot: `${zeroBest.toFixed(0)} ms`, baseline: `same on the small table: ${zeroSmall.ms.toFixed(0)} ms`, ratio: times(zeroBest / zeroSmall.ms) },
        { what: `random 64 KB Range seeks into a ${(size / 1e6).toFixed(0)} MB recording, 32 clients`, earshot: `${perSecond(ourSeeks.rate, ' seeks/s')}, RSS +${ourSeeks.growthMb.toFixed(0)} MB`, baseline: `bare node:http + fs: ${perSecond(baseSeeks.rate, ' seeks/s')}, RSS +${baseSeeks.growthMb.toFixed(0)} MB`, ratio: times(ourSeeks.rate / baseSeeks.rate) },
        { what: `${(uploadSize / 1e6).toFixed(0)} MB PUT .../recording (hashed, fsync'd, probed)`, earshot: `${ourUpload.ms.toFixed(0)} ms, RSS +${ourUpload.growthMb.toFixed(0)} MB`, baseline: `bare node:http piping to a file: ${baseUpload.ms.toFixed(0)} ms, RSS +${baseUpload.growthMb.toFixed(0)} MB`, ratio: `${times(ourUpload.ms / baseUpload.ms)} time` },
      ],
    });
  } finally {
    for (const s of server) s.close();
    await db.destroy();
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
