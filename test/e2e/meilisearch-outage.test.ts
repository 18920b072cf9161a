// earshot configured for Meilisearch (a local stand-in speaking its HTTP API) while the engine answers 500:
// calls are still taken, readiness says search is unavailable and rows wait; when the engine is back the
// backlog drains into it without anyone touching earshot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/context.js';
import { startEarshot, type EarshotProcess } from '../support/earshot-process.js';
import { startMeilisearchStandIn, type MeilisearchStandIn } from '../support/meilisearch-stand-in.js';
import { dropDatabase } from '../support/test-database.js';

let BASE = '';
const ADMIN = { authorization: 'Bearer outage-admin-token-0123456789abcdef0123456789', 'content-type': 'application/json' };
let database: { name: string; url: string };
let standIn: MeilisearchStandIn;
let earshot: EarshotProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  standIn = await startMeilisearchStandIn();
  standIn.failingRequests = Number.MAX_SAFE_INTEGER;
  earshot = await startEarshot({
    DATABASE_URL: database.url,
    MEILI_URL: standIn.url,
    MEILI_MASTER_KEY: 'outage-master-key-0123456789',
    EARSHOT_ADMIN_TOKEN: 'outage-admin-token-0123456789abcdef0123456789',
    EARSHOT_SECRET_KEY: 'outage-secret-key-0123456789abcdef0123',
  });
  BASE = earshot.base;
}, 60_000);

afterAll(async () => {
  await earshot?.stop();
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
      if (Date.now() > deadline) throw new Error(`backlog did not drain:\n${earshot.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const indexed = [...(standIn.documents.get('communications')?.values() ?? [])].map((d) => d.uid).sort();
    expect(indexed).toEqual(['after-recovery', 'while-down']);
    expect((await readiness()).search.status).toBe('ok');
  }, 40_000);
});
