// People (issue 17, API.md "People, roles and access"): users created with a password or an invite,
// sign-in answered alike for an unknown email and a wrong password and locked after repeated failures,
// personal tokens acting as their user, roles on admin routes (403 forbidden), deactivation ending
// sessions and tokens at once, passwords hashed with argon2id, tokens stored as HMACs, CSV import.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.js';
import { seedWorld } from '../support/fixtures.js';

let ctx: TestContext;
let departmentA: string;
let departmentB: string;
let operatorId: string;
let client = 0;
let server: ServerType;
let base: string;

beforeAll(async () => {
  // A listening server behind a "proxy" (loopback is trusted), so each request can come from its own address.
  ctx = await createTestContext({ trustedProxies: ['127.0.0.1'], settings: { authFailures: { maxFailures: 3, windowSeconds: 60 } } });
  server = serve({ fetch: ctx.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await seedWorld(ctx);
  departmentA = ((await (await ctx.admin('POST', '/api/v1/admin/departments', { name: 'Отдел A' })).json()) as { id: string }).id;
  departmentB = ((await (await ctx.admin('POST', '/api/v1/admin/departments', { name: 'Отдел B' })).json()) as { id: string }).id;
  operatorId = ((await (await ctx.admin('POST', '/api/v1/admin/operators', { external_id: '115', email: 'olga@cc.example', department_id: departmentA })).json()) as { id: string }).id;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await ctx.close();
});

const json = async <T = Record<string, any>>(res: Response) => (await res.json()) as T;
/** A request from its own client address unless one is given. */
const as = (token: string | undefined, method: string, path: string, body?: unknown, from = `10.0.${Math.floor(++client / 250)}.${client % 250}`) =>
  fetch(`${base}${path}`, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', 'x-forwarded-for': from }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
const login = (email: string, password: string) => as(undefined, 'POST', '/api/v1/auth/login', { email, password });

describe('users', () => {
  it('creates a supervisor with a password; it signs in and sees itself; the password is stored as argon2id', async () => {
    const res = await ctx.admin('POST', '/api/v1/admin/users', { email: 'Sveta@CC.example', name: 'Света', role: 'supervisor', department_ids: [departmentA], locale: 'ru', password: 'correct horse battery' });
    expect(res.status, await res.clone().text()).toBe(201);
    const created = await json(res);
    expect(created).toMatchObject({ email: 'Sveta@CC.example', role: 'supervisor', department_ids: [departmentA], operator_id: null, locale: 'ru', active: true });
    expect(created).not.toHaveProperty('invite_url');
    const row = await ctx.db.selectFrom('users').select('password_hash').where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    const signedIn = await login('sveta@cc.example', 'correct horse battery');
    expect(signedIn.status).toBe(200);
    const { token, user } = await json<{ token: string; user: { id: string } }>(signedIn);
    expect(user.id).toBe(created.id);
    const stored = await ctx.db.selectFrom('user_tokens').select(['token_hash', 'kind', 'expires_at']).where('user_id', '=', created.id).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).not.toContain(token);
    expect(stored[0]!.expires_at!.getTime() - Date.now()).toBeGreaterThan(11.9 * 3600_000);
    const me = await as(token, 'GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(await json(me)).toMatchObject({ id: created.id, role: 'supervisor' });
  });

  it('answers an unknown email, a wrong password and an inactive user alike, and locks the address after repeated failures', async () => {
    const peer = '10.9.9.9';
    const answers = [await as(undefined, 'POST', '/api/v1/auth/login', { email: 'nobody@cc.example', password: 'whatever-password' }, peer), await as(undefined, 'POST', '/api/v1/auth/login', { email: 'sveta@cc.example', password: 'wrong password!' }, peer)];
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect((await json(res)).error).toMatchObject({ code: 'invalid_credentials', message: 'wrong email or password' });
    }
    await as(undefined, 'POST', '/api/v1/auth/login', { email: 'sveta@cc.example', password: 'wrong again!!' }, peer);
    const locked = await as(undefined, 'POST', '/api/v1/auth/login', { email: 'sveta@cc.example', password: 'correct horse battery' }, peer);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login('sveta@cc.example', 'correct horse battery')).status).toBe(200); // another address is not locked
  });

  it('refuses other roles on admin routes with 403 forbidden, lets an admin user in', async () => {
    const { token } = await json<{ token: string }>(await login('sveta@cc.example', 'correct horse battery'));
    const refused = await as(token, 'GET', '/api/v1/admin/integrations');
    expect(refused.status).toBe(403);
    expect((await json(refused)).error.code).toBe('forbidden');
    expect((await ctx.admin('POST', '/api/v1/admin/users', { email: 'boss@cc.example', name: 'Boss', role: 'admin', password: 'boss password 1' })).status).toBe(201);
    const boss = await json<{ token: string }>(await login('boss@cc.example', 'boss password 1'));
    expect((await as(boss.token, 'GET', '/api/v1/admin/integrations')).status).toBe(200);
    expect((await as(boss.token, 'POST', '/api/v1/admin/users', { email: 'x@cc.example', name: 'X', role: 'supervisor', password: 'x password 12' })).status).toBe(201);
    expect((await as('ess_not-a-real-token', 'GET', '/api/v1/admin/integrations')).status).toBe(401);
    expect((await ctx.admin('GET', '/api/v1/me')).status).toBe(403); // the admin token is nobody's account
  });

  it('invites an operator user: one-time link, password set once, then signed in', async () => {
    const res = await ctx.admin('POST', '/api/v1/admin/users', { email: 'olga@cc.example', name: 'Ольга', role: 'operator', operator_id: operatorId });
    expect(res.status).toBe(201);
    const created = await json(res);
    expect(created.invite_url).toMatch(/^http:\/\/earshot\.test\/console\/invite\/esi_[\w-]{43}$/);
    const invite = decodeURIComponent(created.invite_url.split('/').at(-1));
    expect((await login('olga@cc.example', '')).status).toBe(401); // no password yet
    expect((await as(undefined, 'POST', '/api/v1/auth/invite', { token: invite, password: 'short' })).status).toBe(422);
    const accepted = await as(undefined, 'POST', '/api/v1/auth/invite', { token: invite, password: 'olga password 1' });
    expect(accepted.status).toBe(200);
    expect((await json(accepted)).user).toMatchObject({ role: 'operator', operator_id: operatorId });
    const again = await as(undefined, 'POST', '/api/v1/auth/invite', { token: invite, password: 'olga password 2' });
    expect(again.status).toBe(422);
    expect((await json(again)).error.details[0]).toMatchObject({ path: 'token', code: 'invite_invalid' });
    expect((await login('olga@cc.example', 'olga password 1')).status).toBe(200);
  });

  it('validates roles and links with paths and codes', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ email: 'a@cc.example', name: 'A', role: 'operator' }, 422, 'operator_id'],
      [{ email: 'a@cc.example', name: 'A', role: 'operator', operator_id: '00000000-0000-4000-8000-000000000000' }, 422, 'operator_id'],
      [{ email: 'a@cc.example', name: 'A', role: 'supervisor', department_ids: ['00000000-0000-4000-8000-000000000000'] }, 422, 'department_ids[0]'],
      [{ email: 'a@cc.example', name: 'A', role: 'root' }, 422, 'role'],
      [{ email: 'not-an-email', name: 'A', role: 'admin' }, 422, 'email'],
      [{ email: 'a@cc.example', name: 'A', role: 'admin', password: 'short' }, 422, 'password'],
      [{ email: 'SVETA@cc.example', name: 'Dup', role: 'admin' }, 409, ''],
      [{ email: 'olga2@cc.example', name: 'Ольга 2', role: 'operator', operator_id: operatorId }, 409, ''],
    ];
    for (const [body, status, path] of cases) {
      const res = await ctx.admin('POST', '/api/v1/admin/users', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      const error = (await json(res)).error;
      if (path) expect(error.details.map((d: { path: string }) => d.path)).toContain(path);
      else expect(['user_exists', 'operator_taken']).toContain(error.code);
    }
  });

  it('personal tokens act as their user, are listed without the secret and revoked', async () => {
    const session = (await json<{ token: string }>(await login('sveta@cc.example', 'correct horse battery'))).token;
    const created = await as(session, 'POST', '/api/v1/me/tokens', { name: 'отчёты', expires_in_days: 30 });
    expect(created.status).toBe(201);
    const personal = await json<{ id: string; token: string; expires_at: string }>(created);
    expect(personal.token).toMatch(/^esp_/);
    expect(Date.parse(personal.expires_at) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect((await json(await as(personal.token, 'GET', '/api/v1/me'))).email).toBe('Sveta@CC.example');
    const listed = await json<{ items: Array<Record<string, unknown>> }>(await as(session, 'GET', '/api/v1/me/tokens'));
    expect(listed.items).toEqual([expect.objectContaining({ id: personal.id, name: 'отчёты', last_used_at: expect.any(String) })]);
    expect(JSON.stringify(listed)).not.toContain(personal.token);
    expect((await as(session, 'GET', `/api/v1/me/tokens/${personal.id}`)).status).toBe(200);
    expect((await as(session, 'DELETE', `/api/v1/me/tokens/${personal.id}`)).status).toBe(204);
    expect((await as(personal.token, 'GET', '/api/v1/me')).status).toBe(401);
    expect((await as(session, 'DELETE', `/api/v1/me/tokens/${personal.id}`)).status).toBe(404);
  });

  it('deactivation ends sessions and personal tokens at once and refuses sign-in; logout ends one session', async () => {
    const created = await json<{ id: string }>(await ctx.admin('POST', '/api/v1/admin/users', { email: 'leaver@cc.example', name: 'Leaver', role: 'supervisor', department_ids: [departmentB], password: 'leaver password' }));
    const session = (await json<{ token: string }>(await login('leaver@cc.example', 'leaver password'))).token;
    const personal = (await json<{ token: string }>(await as(session, 'POST', '/api/v1/me/tokens', { name: 'cli' }))).token;
    const other = (await json<{ token: string }>(await login('leaver@cc.example', 'leaver password'))).token;
    expect((await as(other, 'POST', '/api/v1/auth/logout')).status).toBe(204);
    expect((await as(other, 'GET', '/api/v1/me')).status).toBe(401);
    expect((await as(session, 'GET', '/api/v1/me')).status).toBe(200);

    const patched = await ctx.admin('PATCH', `/api/v1/admin/users/${created.id}`, { active: false, department_ids: [departmentA, departmentB] });
    expect(patched.status).toBe(200);
    expect(await json(patched)).toMatchObject({ active: false, department_ids: [departmentA, departmentB].sort() });
    expect((await as(session, 'GET', '/api/v1/me')).status).toBe(401);
    expect((await as(personal, 'GET', '/api/v1/me')).status).toBe(401);
    expect(await ctx.db.selectFrom('user_tokens').select('id').where('user_id', '=', created.id).execute()).toHaveLength(0);
    const refused = await login('leaver@cc.example', 'leaver password');
    expect(refused.status).toBe(401);
    expect((await json(refused)).error.code).toBe('invalid_credentials');
  });

  it('lists users by email, paged', async () => {
    const first = await json<{ items: Array<{ email: string }>; next_cursor: string }>(await ctx.admin('GET', '/api/v1/admin/users?limit=2'));
    expect(first.items).toHaveLength(2);
    const second = await json<{ items: Array<{ email: string }> }>(await ctx.admin('GET', `/api/v1/admin/users?limit=100&cursor=${encodeURIComponent(first.next_cursor)}`));
    const all = [...first.items, ...second.items].map((u) => u.email.toLowerCase());
    expect(all).toEqual([...all].sort());
    expect(new Set(all).size).toBe(all.length);
    expect(all).toContain('sveta@cc.example');
  });

  it('imports users from CSV: departments by name, operators by external id, invites for new users, line errors', async () => {
    const csv = [
      'email,name,role,departments,operator_external_id,locale,active',
      'new.sup@cc.example,Новый,supervisor,Отдел A;Отдел C,,ru,',
      'sveta@cc.example,Светлана,supervisor,Отдел B,,en,true',
      'bad-email,X,admin,,,,',
      'op@cc.example,Op,operator,,no-such-operator,,',
      'NEW.SUP@cc.example,Again,admin,,,,',
    ].join('\n');
    const res = await ctx.admin('POST', '/api/v1/admin/users/import', csv, { 'content-type': 'text/csv' });
    expect(res.status).toBe(200);
    const report = await json(res);
    expect(report).toMatchObject({ created: 1, updated: 1 });
    expect(report.invites).toEqual([{ email: 'new.sup@cc.example', invite_url: expect.stringContaining('/console/invite/esi_') }]);
    expect(report.errors.map((e: { line: number }) => e.line)).toEqual([4, 5, 6]);
    expect(report.errors[1].message).toContain('no-such-operator');
    const users = await json<{ items: Array<{ email: string; name: string; locale: string; department_ids: string[] }> }>(await ctx.admin('GET', '/api/v1/admin/users?limit=100'));
    const sveta = users.items.find((u) => u.email.toLowerCase() === 'sveta@cc.example')!;
    expect(sveta).toMatchObject({ name: 'Светлана', locale: 'en', department_ids: [departmentB] });
    const created = users.items.find((u) => u.email === 'new.sup@cc.example')!;
    expect(created.department_ids).toHaveLength(2);
  });
});
