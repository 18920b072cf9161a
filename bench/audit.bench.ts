// Cost of the audit log: throughput of GET /api/v1/communications/{id} and POST /api/v1/communications/search
// with auditing on (every answer waits for its entry's group commit) against auditing off (AuditLog.discard),
// in-process through app.request, same database and run, phases alternating off/on so neither gets the
// warmer cache. Reports requests per second and the on/off ratio, and the batch sizes the writer formed.
// Usage: npm run bench:audit [-- --rows 20000 --seconds 3 --clients 16 --keep]
import { parseArgs } from 'node:util';
import { createApp } from '../server/http/app.js';
import { createMetrics } from '../server/http/metrics.js';
import { createLogger } from '../server/logger.js';
import { AuditLog } from '../server/services/audit-log.js';
import { openInProcess } from './lib/in-process.js';
import { perSecond, report, times } from './lib/report.js';
import { prng, seedCommunications, WORDS } from './lib/seed-communications.js';
import { adminSql, BENCH_ADMIN_TOKEN, benchDatabaseUrl } from './lib/server.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '20000' }, seconds: { type: 'string', default: '3' }, clients: { type: 'string', default: '16' }, keep: { type: 'boolean', default: false } } });
const ROWS = Number(args.rows);
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);

type Mode = 'off' | 'on';

async function main() {
  const name = `earshot_bench_audit_${Date.now().toString(36)}`;
  await adminSql(`CREATE DATABASE "${name}"`);
  const url = benchDatabaseUrl(name);
  const on = await openInProcess(url, 8);
  const off = await openInProcess(url, 8, { auditWriter: AuditLog.discard });
  try {
    await on.services.adminAuth.ensureAdminToken(BENCH_ADMIN_TOKEN);
    await seedCommunications(on.pool, on.db, on.services, ROWS);
    const ids = (await on.db.selectFrom('communications').select('id').limit(2000).execute()).map((r) => r.id);
    const apps = {
      on: createApp({ services: on.services, metrics: createMetrics(), logger: createLogger('silent'), bodyLimitBytes: 1024 * 1024, version: 'bench' }),
      off: createApp({ services: off.services, metrics: createMetrics(), logger: createLogger('silent'), bodyLimitBytes: 1024 * 1024, version: 'bench' }),
    };
    const headers = { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json', 'user-agent': 'bench' };
    const requests = {
      'GET /api/v1/communications/{id}': (mode: Mode, r: () => number) => apps[mode].request(`/api/v1/communications/${ids[Math.floor(r() * ids.length)]}`, { headers }),
      'POST /api/v1/communications/search (q)': (mode: Mode, r: () => number) =>
        apps[mode].request('/api/v1/communications/search', { method: 'POST', headers, body: JSON.stringify({ q: WORDS[Math.floor(r() * WORDS.length)], limit: 20 }) }),
    };

    /** Requests per second of CLIENTS concurrent loops for SECONDS. */
    const throughput = async (send: (mode: Mode, r: () => number) => Response | Promise<Response>, mode: Mode, seed: number) => {
      const until = performance.now() + SECONDS * 1000;
      let done = 0;
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, i) => {
          const random = prng(seed * 100 + i);
          while (performance.now() < until) {
            const res = await send(mode, random);
            await res.arrayBuffer();
            if (res.status !== 200) throw new Error(`${mode}: answered ${res.status}`);
            done++;
          }
        }),
      );
      return done / SECONDS;
    };

    const rows = [];
    for (const [what, send] of Object.entries(requests)) {
      await throughput(send, 'off', 1); // warm-up
      const rates: Record<Mode, number[]> = { off: [], on: [] };
      const before = Number((await on.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      for (const [i, mode] of (['off', 'on', 'off', 'on'] as const).entries()) rates[mode].push(await throughput(send, mode, i + 2));
      const written = Number((await on.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n) - before;
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const row = { what, off: mean(rates.off), on: mean(rates.on), written };
      rows.push(row);
      console.log(`${what.padEnd(42)} audit off ${row.off.toFixed(0)}/s | audit on ${row.on.toFixed(0)}/s | ratio ${(row.on / row.off).toFixed(2)}× | ${written} entries written`);
    }
    const verify = await on.services.auditLog.verify();
    console.log(`audit-verify: ${verify.checked} entries, ${verify.broken ? `BROKEN at ${verify.broken.seq}` : 'intact'}`);
    console.log(JSON.stringify({ rows: ROWS, seconds: SECONDS, clients: CLIENTS, cases: rows }, null, 2));
    report({
      title: `Audit log cost at ${ROWS.toLocaleString('en-US')} communications`,
      command: `npm run bench:audit -- --rows ${ROWS} --seconds ${SECONDS} --clients ${CLIENTS}`,
      rows: rows.map((r) => ({ what: `${r.what}, ${CLIENTS} concurrent clients`, earshot: `audit on: ${perSecond(r.on)}`, baseline: `audit off: ${perSecond(r.off)}`, ratio: times(r.on / r.off) })),
      notes: [`Each answer waited for its audit entry's commit; entries went in group commits under the chain's advisory lock. The chain verified ${verify.broken ? 'BROKEN' : 'intact'} afterwards (${verify.checked} entries).`],
    });
  } finally {
    await on.db.destroy();
    await off.db.destroy();
    if (args.keep) console.log(`kept database ${name}`);
    else await adminSql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
