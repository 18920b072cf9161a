// The lockout after wrong admin tokens, on a listening server: one count per client address shared by the
// admin API and the console sign-in; X-Forwarded-For believed only from a trusted proxy; integration tokens
// and missing tokens do not count.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../support/context.js';
import { createIntegration, type Integration } from '../support/fixtures.js';

const MAX = 3;

interface Served {
  ctx: TestContext;
  server: ServerType;
  base: string;
}

async function start(trustedProxies: string[]): Promise<Served> {
  const ctx = await createTestContext({ trustedProxies, settings: { authFailures: { maxFailures: MAX, windowSeconds: 60 } } });
  const server = serve({ fetch: ctx.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return { ctx, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function stop(served: Served): Promise<void> {
  await new Promise((resolve) => served.server.close(resolve));
  await served.ctx.close();
}

const adminGet = (s: Served, token: string | null, from?: string, path = '/api/v1/admin/integrations') =>
  fetch(`${s.base}${path}`, { headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(from ? { 'x-forwarded-for': from } : {}) } });

async function consoleSignIn(s: Served, token: string, from: string): Promise<number> {
  const form = await fetch(`${s.base}/console/login`, { headers: { 'x-forwarded-for': from } });
  const cookie = form.headers.getSetCookie()[0]!.split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const res = await fetch(`${s.base}/console/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from },
    body: new URLSearchParams({ _csrf: csrf, token, next: '/console' }).toString(),
  });
  return res.status;
}

describe('behind a trusted proxy', () => {
  let s: Served;
  let integration: Integration;
  beforeAll(async () => {
    s = await start(['127.0.0.1']);
    integration = await createIntegration(s.ctx, { name: 'Chat platform' });
  });
  afterAll(() => stop(s));

  it('locks out the client that guessed, not everyone behind the proxy, and says when to retry', async () => {
    const attacker = '198.51.100.66';
    const statuses: number[] = [];
    for (let i = 0; i <= MAX; i++) statuses.push((await adminGet(s, `wrong-guess-${i}`, attacker)).status);
    expect(statuses).toEqual([...Array<number>(MAX).fill(401), 429]);

    const locked = await adminGet(s, ADMIN_TOKEN, attacker);
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await locked.json()).toMatchObject({ error: { code: 'rate_limited' } });

    // The same proxy forwards another client: not affected. A spoofed left-most hop does not escape the lock.
    expect((await adminGet(s, ADMIN_TOKEN, '203.0.113.10')).status).toBe(200);
    expect((await adminGet(s, ADMIN_TOKEN, `203.0.113.10, ${attacker}`)).status).toBe(429);
  });

  it('shares the count between the admin API and the console sign-in', async () => {
    const guesser = '198.51.100.77';
    expect(await consoleSignIn(s, 'wrong-guess', guesser)).toBe(401);
    expect(await consoleSignIn(s, 'wrong-guess', guesser)).toBe(401);
    expect((await adminGet(s, 'wrong-guess', guesser)).status).toBe(401);
    expect(await consoleSignIn(s, ADMIN_TOKEN, guesser)).toBe(429);
    expect((await adminGet(s, ADMIN_TOKEN, guesser)).status).toBe(429);
    expect(await consoleSignIn(s, ADMIN_TOKEN, '198.51.100.78')).toBe(303);
  });

  it('counts wrong tokens on the clients API, but not integration tokens or requests without a token', async () => {
    const platform = '198.51.100.88';
    for (let i = 0; i < MAX * 2; i++) {
      expect((await adminGet(s, integration.token, platform, '/api/v1/clients/tags')).status).toBe(200);
      expect((await adminGet(s, null, platform)).status).toBe(401);
    }
    expect((await adminGet(s, ADMIN_TOKEN, platform)).status).toBe(200);
    for (let i = 0; i < MAX; i++) expect((await adminGet(s, 'esi_wrong', platform, '/api/v1/clients/tags')).status).toBe(401);
    expect((await adminGet(s, ADMIN_TOKEN, platform, '/api/v1/clients/tags')).status).toBe(429);
    // A locked address still serves the integration whose token it holds.
    expect((await adminGet(s, integration.token, platform, '/api/v1/clients/tags')).status).toBe(200);
  });

  it('clears a client’s count when it sends the right token', async () => {
    const typo = '198.51.100.99';
    for (let i = 0; i < MAX - 1; i++) expect((await adminGet(s, 'typo', typo)).status).toBe(401);
    expect((await adminGet(s, ADMIN_TOKEN, typo)).status).toBe(200);
    for (let i = 0; i < MAX - 1; i++) expect((await adminGet(s, 'typo', typo)).status).toBe(401);
    expect((await adminGet(s, ADMIN_TOKEN, typo)).status).toBe(200);
  });
});

describe('without trusted proxies', () => {
  let s: Served;
  beforeAll(async () => {
    s = await start([]);
  });
  afterAll(() => stop(s));

  it('ignores X-Forwarded-For: a guesser cannot spread its tries over made-up addresses', async () => {
    for (let i = 0; i < MAX; i++) expect((await adminGet(s, 'wrong', `198.51.100.${i + 1}`)).status).toBe(401);
    expect((await adminGet(s, ADMIN_TOKEN, '198.51.100.200')).status).toBe(429);
    const rows = await s.ctx.db.selectFrom('console_login_failures').select('client').execute();
    expect(new Set(rows.map((r) => r.client))).toEqual(new Set(['127.0.0.1']));
  });
});
