// Two earshot processes on one empty database, started together and then loaded through both: the
// migrations are applied once, each background job runs on one instance at a time (the runs the two
// logs report never overlap), and every outbox row is processed once (the documents the two instances
// report indexing add up to exactly the calls posted).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEarshot, waitReady, type EarshotProcess } from '../support/earshot-process.js';
import { adminQuery, databaseUrl, dropDatabase, uniqueName } from '../support/test-database.js';

const ADMIN_TOKEN = 'two-instances-admin-token-0123456789';
const CALLS = 400;

let dbName: string;
let dataDir: string;
const instances: EarshotProcess[] = [];

const env = (name: string) => ({
  DATABASE_URL: databaseUrl(dbName),
  EARSHOT_ADMIN_TOKEN: ADMIN_TOKEN,
  EARSHOT_SECRET_KEY: 'two-instances-secret-key-0123456789abcdef',
  EARSHOT_DATA_DIR: path.join(dataDir, name),
  LOG_LEVEL: 'debug',
});

beforeAll(async () => {
  dbName = uniqueName('earshot_run_two');
  await adminQuery(`CREATE DATABASE "${dbName}"`);
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'earshot-two-'));
  instances.push(await spawnEarshot(env('a')), await spawnEarshot(env('b')));
  await Promise.all(instances.map((instance) => waitReady(instance)));
}, 90_000);

afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.stop()));
  if (dbName) await dropDatabase(dbName);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const admin = async (instance: EarshotProcess, route: string, body: unknown) => {
  const res = await fetch(`${instance.base}${route}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, string>;
};

async function query<T>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl(dbName) });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('two instances on one database', () => {
  it('apply the migrations once between them', async () => {
    const applied = instances.map((i) => i.lines().find((l) => l.msg === 'database migrated')?.applied as string[] | undefined);
    expect(applied.every(Array.isArray)).toBe(true);
    const rows = await query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY name');
    expect(rows.length).toBeGreaterThan(0);
    // One instance applied all of them and the other found nothing left to do (or they split the list):
    // either way each migration was applied exactly once.
    expect([...applied[0]!, ...applied[1]!].sort()).toEqual(rows.map((r) => r.name));
  });

  it('process each outbox row once and never run a job on both at the same time', async () => {
    const integration = await admin(instances[0]!, '/api/v1/admin/integrations', { name: 'pbx' });
    await admin(instances[1]!, '/api/v1/admin/operators', { external_id: 'op-1' });
    const post = (instance: EarshotProcess, n: number) =>
      fetch(`${instance.base}/api/v1/integrations/${integration.id}/phone_calls`, {
        method: 'POST',
        headers: { authorization: integration.token!, 'content-type': 'application/json' },
        body: JSON.stringify({ uid: `call-${n}`, operator_id: 'op-1', started_at: '2024-05-14T10:00:00Z', direction: 'incoming', duration: n, media_url: `http://127.0.0.1:9/rec/${n}.wav`, transcript: `разговор номер ${n}` }),
      }).then(async (r) => (r.status === 201 ? 201 : `${r.status} ${await r.text()}`));
    const statuses: Array<number | string> = [];
    for (let from = 0; from < CALLS; from += 20) {
      statuses.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => post(instances[(from + i) % 2]!, from + i)))));
    }
    expect(statuses.filter((s) => s !== 201)).toEqual([]);

    for (let i = 0; ; i++) {
      const [left] = await query<{ n: string }>("SELECT count(*) AS n FROM outbox WHERE topic = 'search'");
      if (Number(left!.n) === 0) break;
      if (i > 300) throw new Error(`search outbox not drained: ${left!.n} left`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300)); // the last run's log line
    const [docs] = await query<{ n: string }>('SELECT count(*) AS n FROM search_documents');
    expect(Number(docs!.n)).toBe(CALLS);

    const runs = instances.map((instance, which) =>
      instance.lines().filter((l) => l.job === 'search-sync' && l.msg === 'job run finished').map((l) => ({ which, indexed: l.indexed as number })),
    );
    const indexedBy = runs.map((r) => r.reduce((sum, run) => sum + run.indexed, 0));
    expect(indexedBy[0]! + indexedBy[1]!).toBe(CALLS);

    for (const job of ['search-sync', 'media-fetch']) {
      const intervals = instances.flatMap((instance, which) => {
        const out: Array<{ which: number; start: number; end: number }> = [];
        let start: number | undefined;
        for (const line of instance.lines().filter((l) => l.job === job)) {
          if (line.msg === 'job run started') start = Date.parse(line.time as string);
          if (line.msg === 'job run finished' && start !== undefined) out.push({ which, start, end: Date.parse(line.time as string) }), (start = undefined);
        }
        return out;
      });
      expect(intervals.length, `${job} ran`).toBeGreaterThan(0);
      intervals.sort((a, b) => a.start - b.start);
      for (let i = 1; i < intervals.length; i++) {
        const [before, after] = [intervals[i - 1]!, intervals[i]!];
        if (before.which !== after.which) expect(after.start, `${job} overlapped across instances`).toBeGreaterThanOrEqual(before.end);
      }
    }
  }, 120_000);
});
