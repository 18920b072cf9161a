// The console for users (issue 17): sign-in with email and password next to the owner's admin token, the
// invite link where a new user sets a password, pages by role (others answer 403 and leave the navigation),
// and deactivation ending the user's console session at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.js';
import { csrfIn, openLogin, signIn } from '../support/console.js';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const json = async <T = Record<string, any>>(res: Response) => (await res.json()) as T;
const postLogin = async (fields: Record<string, string>) => {
  const login = await openLogin(ctx);
  return ctx.app.request('/console/login', {
    method: 'POST',
    headers: { cookie: login.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: login.csrf, next: '/console', ...fields }).toString(),
  });
};

describe('console users', () => {
  it('signs an admin user in with email and password and shows every page', async () => {
    await ctx.admin('POST', '/api/v1/admin/users', { email: 'admin@cc.example', name: 'Admin', role: 'admin', password: 'admin password 1' });
    const client = await signIn(ctx, { email: 'ADMIN@cc.example', password: 'admin password 1' });
    const page = await client.get('/console/operators');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('href="/console/sources"');
    expect(html).toContain('href="/console/crm"');
  });

  it('answers a wrong password like an unknown email, keeping the typed email', async () => {
    for (const email of ['admin@cc.example', 'nobody@cc.example']) {
      const res = await postLogin({ email, password: 'wrong password' });
      expect(res.status).toBe(401);
      const html = await res.text();
      expect(html).toContain('Wrong email or password.');
      expect(html).toContain(`value="${email}"`);
    }
    const token = await postLogin({ token: 'not-the-admin-token' });
    expect(token.status).toBe(401);
    expect(await token.text()).toContain('That is not the admin token.');
  });

  it('keeps a supervisor out of admin pages (403) and out of their navigation entries', async () => {
    await ctx.admin('POST', '/api/v1/admin/users', { email: 'sup@cc.example', name: 'Sup', role: 'supervisor', password: 'sup password 12' });
    const client = await signIn(ctx, { email: 'sup@cc.example', password: 'sup password 12' });
    for (const path of ['/console/overview', '/console/integrations', '/console/operators', '/console/sources', '/console/crm', '/console/custom-fields']) {
      const res = await client.get(path);
      expect(res.status, path).toBe(403);
      const html = await res.text();
      expect(html).not.toContain('href="/console/integrations"');
    }
    const form = await client.post('/console/integrations', { name: 'sneaky' });
    expect(form.status).toBe(403);
    expect((await json<{ items: Array<{ name: string }> }>(await ctx.admin('GET', '/api/v1/admin/integrations'))).items?.some?.((i) => i.name === 'sneaky') ?? false).toBe(false);
  });

  it('lets an invited user set a password once through the invite link and signs them in', async () => {
    const created = await json<{ id: string; invite_url: string }>(await ctx.admin('POST', '/api/v1/admin/users', { email: 'new@cc.example', name: 'New', role: 'admin' }));
    const path = new URL(created.invite_url).pathname;
    const form = await ctx.app.request(path);
    expect(form.status).toBe(200);
    const cookie = form.headers.getSetCookie().find((c) => c.startsWith('earshot_login='))!.split(';')[0]!;
    const csrf = csrfIn(await form.text())!;
    const post = (password: string) => ctx.app.request(path, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, password }).toString() });
    expect((await post('short')).status).toBe(422);
    const done = await post('new user password');
    expect(done.status).toBe(303);
    const session = done.headers.getSetCookie().find((c) => c.startsWith('earshot_session='))!.split(';')[0]!;
    expect((await ctx.app.request('/console/operators', { headers: { cookie: session } })).status).toBe(200);
    expect((await ctx.app.request(path)).status).toBe(404); // used up
    expect((await post('another password')).status).toBe(404);
    expect((await ctx.app.request('/console/invite/esi_' + 'x'.repeat(43))).status).toBe(404);
    expect((await postLogin({ email: 'new@cc.example', password: 'new user password' })).status).toBe(303);
  });

  it('ends a deactivated user’s console session at once', async () => {
    const created = await json<{ id: string }>(await ctx.admin('POST', '/api/v1/admin/users', { email: 'leaver@cc.example', name: 'Leaver', role: 'admin', password: 'leaver password' }));
    const client = await signIn(ctx, { email: 'leaver@cc.example', password: 'leaver password' });
    expect((await client.get('/console/operators')).status).toBe(200);
    expect((await ctx.admin('PATCH', `/api/v1/admin/users/${created.id}`, { active: false })).status).toBe(200);
    const after = await client.get('/console/operators');
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/console\/login/);
  });

  it('still signs the owner in with the admin token', async () => {
    const client = await signIn(ctx);
    expect((await client.get('/console/overview')).status).toBe(200);
  });
});
