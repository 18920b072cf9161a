// Postgres ending earshot's connections (a restart, a failover, an admin's pg_terminate_backend) while
// requests and background jobs use them: the process stays up, answers 503 with Retry-After or succeeds in
// the meantime (never a 500), and works normally afterwards. Found by the soak run: a job's checked-out
// connection dying used to crash the process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase } from '../support/context.js';
import { startEarshot, type EarshotProcess } from '../support/earshot-process.js';
import { dropDatabase, SERVER_URL } from '../support/test-database.js';

const ADMIN = { authorization: 'Bearer killed-admin-token-0123456789abcdef0123456789', 'content-type': 'application/json' };
let database: { name: string; url: string };
let earshot: EarshotProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  earshot = await startEarshot({ DATABASE_URL: database.url, EARSHOT_ADMIN_TOKEN: 'killed-admin-token-0123456789abcdef0123456789', EARSHOT_SECRET_KEY: 'killed-secret-key-0123456789abcdef0123' });
}, 60_000);
afterAll(async () => {
  await earshot?.stop('SIGKILL');
  if (database) await dropDatabase(database.name);
});

async function terminateConnections() {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database.name]);
  await client.end();
}

describe('connections killed under load', () => {
  it('keeps the process up, never answers 500, and recovers', async () => {
    const integration = (await (await fetch(`${earshot.base}/api/v1/admin/integrations`, { method: 'POST', headers: ADMIN, body: '{"name":"pbx"}' })).json()) as { id: string; token: string };
    await fetch(`${earshot.base}/api/v1/admin/operators`, { method: 'POST', headers: ADMIN, body: '{"external_id":"op-1"}' });
    const post = (n: number) =>
      fetch(`${earshot.base}/api/v1/integrations/${integration.id}/phone_calls`, {
        method: 'POST',
        headers: { authorization: integration.token },
        body: JSON.stringify({ uid: `k-${n}`, operator_id: 'op-1', started_at: '2024-05-14T10:00:00Z', media_url: 'http://127.0.0.1:9/r.wav', transcript: 'проверка связи' }),
      }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after') }));

    const statuses: Array<{ status: number; retryAfter: string | null }> = [];
    let n = 0;
    let running = true;
    const load = Promise.all(Array.from({ length: 8 }, async () => {
      while (running) statuses.push(await post(n++));
    }));
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 150));
      await terminateConnections();
    }
    running = false;
    await load;

    expect(earshot.child.exitCode, earshot.output().slice(-2000)).toBeNull();
    expect(statuses.filter((s) => s.status >= 500 && s.status !== 503)).toEqual([]);
    expect(statuses.filter((s) => s.status === 503 && !s.retryAfter)).toEqual([]);
    expect(statuses.filter((s) => s.status === 201).length).toBeGreaterThan(0);
    for (let i = 0; ; i++) {
      if ((await post(100_000 + i)).status === 201) break;
      if (i > 50) throw new Error('earshot did not recover');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await fetch(`${earshot.base}/readyz`)).status).toBe(200);
  }, 60_000);
});
