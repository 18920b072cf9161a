// Console sign-in and sessions: login required, cookie flags, CSRF on every form, rate-limited failures,
// security headers, sign-out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../support/context.js';
import { openLogin, signIn } from '../support/console.js';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({ settings: { consoleSessions: { ttlSeconds: 3600 }, authFailures: { maxFailures: 3, windowSeconds: 60 } } });
});
afterAll(() => ctx.close());

const postLogin = (login: { cookie: string; csrf: string }, token: string, extra: Record<string, string> = {}) =>
  ctx.app.request('/console/login', {
    method: 'POST',
    headers: { cookie: login.cookie, 'content-type': 'application/x-www-form-urlencoded', ...extra },
    body: new URLSearchParams({ _csrf: login.csrf, token, next: '/console/communications?q=x' }).toString(),
  });

describe('console sign-in', () => {
  it('sends pages to the sign-in form without a session, and refuses posts', async () => {
    const page = await ctx.app.request('/console/communications?kind=call');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/console/login?next=%2Fconsole%2Fcommunications%3Fkind%3Dcall');
    const post = await ctx.app.request('/console/logout', { method: 'POST', body: new URLSearchParams({ _csrf: 'x' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(post.status).toBe(401);
    const forged = await ctx.app.request('/console/overview', { headers: { cookie: 'earshot_session=ess_forged' } });
    expect(forged.status).toBe(303);
  });

  it('opens a session with the admin token: HttpOnly, SameSite=Strict cookie, back to the page asked for', async () => {
    const login = await openLogin(ctx);
    expect(login.cookie).toMatch(/^earshot_login=/);
    const res = await postLogin(login, ADMIN_TOKEN);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/communications?q=x');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('earshot_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/console/);
    expect(cookie).not.toMatch(/Secure/);
    // Stored hashed: the cookie's token is not in the table.
    const token = cookie.split(';')[0]!.split('=')[1]!;
    const rows = await ctx.db.selectFrom('console_sessions').select('token_hash').execute();
    expect(rows.map((r) => r.token_hash)).not.toContain(token);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('marks the cookie Secure behind https', async () => {
    const login = await openLogin(ctx);
    const res = await postLogin(login, ADMIN_TOKEN, { 'x-forwarded-proto': 'https' });
    expect(res.headers.getSetCookie().find((c) => c.startsWith('earshot_session='))).toMatch(/Secure/);
  });

  it('refuses a sign-in without the form’s CSRF token, and never redirects off the console', async () => {
    const login = await openLogin(ctx);
    const res = await postLogin({ cookie: login.cookie, csrf: 'wrong' }, ADMIN_TOKEN);
    expect(res.status).toBe(403);
    const offsite = await ctx.app.request('/console/login', {
      method: 'POST',
      headers: { cookie: login.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: login.csrf, token: ADMIN_TOKEN, next: '//evil.example/x' }).toString(),
    });
    expect(offsite.headers.get('location')).toBe('/console');
  });

  it('rejects forms without the session’s CSRF token', async () => {
    const client = await signIn(ctx);
    expect((await client.post('/console/logout', {}, { csrf: null })).status).toBe(403);
    expect((await client.post('/console/logout', {}, { csrf: 'not-the-token' })).status).toBe(403);
    expect((await client.get('/console/overview')).status).toBe(200);
  });

  it('signs out: the session stops working', async () => {
    const client = await signIn(ctx);
    const res = await client.post('/console/logout', {});
    expect(res.status).toBe(303);
    expect((await client.get('/console/overview')).status).toBe(303);
  });

  it('sends security headers and keeps pages out of caches', async () => {
    const client = await signIn(ctx);
    const res = await client.get('/console/overview');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const js = await ctx.app.request('/console/static/console.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
  });

  it('answers a wrong token with 401 and the form again, then 429 after too many failures', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const login = await openLogin(ctx);
      const res = await postLogin(login, 'wrong-token');
      statuses.push(res.status);
      if (res.status === 401) expect(await res.text()).toContain('That is not the admin token.');
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Even the right token waits out the window.
    expect((await postLogin(await openLogin(ctx), ADMIN_TOKEN)).status).toBe(429);
  });
});
