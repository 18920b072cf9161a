// earshot configured for Meilisearch (a local stand-in speaking its HTTP API) while the engine answers 500:
// calls are still taken, readiness says search is unavailable and rows wait; when the engine is back the
// backlog drains into it without anyone touching earshot.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/context.js';
import { startMeilisearchStandIn, type MeilisearchStandIn } from '../support/meilisearch-stand-in.js';
import { dropDatabase } from '../support/test-database.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PORT = 19000 + (process.pid % 1000);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { authorization: 'Bearer outage-admin-token-0123456789', 'content-type': 'application/json' };
let database: { name: string; url: string };
let standIn: MeilisearchStandIn;
let server: ChildProcess;
let log = '';

beforeAll(async () => {
  database = await createTestDatabase();
  standIn = await startMeilisearchStandIn();
  standIn.failingRequests = Number.MAX_SAFE_INTEGER;
  server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      MEILI_URL: standIn.url,
      MEILI_MASTER_KEY: 'outage-master-key-0123456789',
      EARSHOT_ADMIN_TOKEN: 'outage-admin-token-0123456789',
      EARSHOT_SECRET_KEY: 'outage-secret-key-0123456789abcdef0123',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (d) => (log += d));
  server.stderr!.on('data', (d) => (log += d));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${BASE}/readyz`)).ok) break;
    } catch {}
    if (i > 200) throw new Error(`earshot did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}, 60_000);

afterAll(async () => {
  if (server?.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  await standIn?.close();
  if (database) await dropDatabase(database.name);
});

const readiness = async () =>
  (await (await fetch(`${BASE}/readyz`)).json()) as { ready: boolean; outbox: { search: { pending: number } }; search: { engine: string; status: string } };

describe('Meilisearch outage', () => {
  it('takes calls while the engine is down and drains them into it when it is back', async () => {
    const integration = (await (await fetch(`${BASE}/api/v1/admin/integrations`, { method: 'POST', headers: ADMIN, body: JSON.stringify({ name: 'pbx' }) })).json()) as { id: string; token: string };
    await fetch(`${BASE}/api/v1/admin/operators`, { method: 'POST', headers: ADMIN, body: JSON.stringify({ external_id: 'op-1' }) });
    const post = (uid: string) =>
      fetch(`${BASE}/api/v1/integrations/${integration.id}/phone_calls`, {
        method: 'POST',
        headers: { authorization: integration.token, 'content-type': 'application/json' },
        body: JSON.stringify({ uid, operator_id: 'op-1', started_at: '2024-05-14T10:00:00Z', direction: 'incoming', duration: 5, media_url: 'https://pbx.example/r.wav' }),
      });

    const t0 = Date.now();
    expect((await post('while-down')).status).toBe(201);
    expect(Date.now() - t0).toBeLessThan(2000);
    const down = await readiness();
    expect(down).toMatchObject({ ready: true, search: { engine: 'meilisearch', status: 'unavailable' } });
    expect(down.outbox.search.pending).toBe(1);
    const search = await fetch(`${BASE}/api/v1/communications/search`, { method: 'POST', headers: ADMIN, body: '{}' });
    expect(search.status).toBe(503);
    expect(search.headers.get('retry-after')).toBe('5');

    standIn.failingRequests = 0;
    expect((await post('after-recovery')).status).toBe(201);
    const deadline = Date.now() + 25_000;
    while ((await readiness()).outbox.search.pending > 0) {
      if (Date.now() > deadline) throw new Error(`backlog did not drain:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const indexed = [...(standIn.documents.get('communications')?.values() ?? [])].map((d) => d.uid).sort();
    expect(indexed).toEqual(['after-recovery', 'while-down']);
    expect((await readiness()).search.status).toBe('ok');
  }, 40_000);
});
