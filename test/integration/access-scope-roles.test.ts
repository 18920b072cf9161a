// The scope of each role (API.md "People, roles and access"): the supervisor of department A finds the calls of
// A and of every department under it and never B's — in search items and estimated_total, by id, through
// recording URLs and in client cards; the operator user only its own; an admin everything. Outside the scope is
// answered 404 exactly as an id that does not exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../support/context.js';
import { IN_A, RECORDED, seedPeopleWorld, type OperatorName, type PeopleWorld } from '../support/people.js';

let ctx: TestContext;
let world: PeopleWorld;

beforeAll(async () => {
  ctx = await createTestContext();
  world = await seedPeopleWorld(ctx);
}, 60_000);
afterAll(() => ctx?.close());

const as = (token: string, method: string, path: string, body?: unknown) =>
  ctx.app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const idsOf = (operators: readonly OperatorName[]) => world.calls.filter((c) => operators.includes(c.operator)).map((c) => c.id).sort();
const callOf = (operator: OperatorName, n: 1 | 2 = 1) => world.calls.find((c) => c.uid === `${operator}-${n}`)!;

type Page = { items: Array<{ id: string; media: { url: string | null } | null }>; next_cursor: string | null; estimated_total: number };

/** Every page of a search; the estimated total of the first. */
async function searchAll(token: string, body: Record<string, unknown> = {}) {
  const ids: string[] = [];
  let cursor: string | undefined;
  let total: number | undefined;
  do {
    const res = await as(token, 'POST', '/api/v1/communications/search', { limit: 2, ...body, ...(cursor ? { cursor } : {}) });
    expect(res.status, await res.clone().text()).toBe(200);
    const page = (await res.json()) as Page;
    total ??= page.estimated_total;
    ids.push(...page.items.map((i) => i.id));
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return { ids: ids.sort(), total };
}

async function notFoundBody(res: Response) {
  expect(res.status).toBe(404);
  const { error } = (await res.json()) as { error: { code: string; message: string } };
  return { code: error.code, message: error.message };
}

describe('supervisor of department A', () => {
  const token = () => world.tokens.supervisor;

  it('finds the calls of A and its sub-departments (any depth) in search, items and estimated_total, never B’s or unassigned ones', async () => {
    const expected = idsOf(IN_A);
    expect(expected).toHaveLength(6);
    expect(await searchAll(token())).toEqual({ ids: expected, total: expected.length });
    expect(await searchAll(token(), { q: 'договор' })).toEqual({ ids: expected, total: expected.length });
  });

  it('cannot widen its scope with a filter naming B’s operator or department', async () => {
    const filter = { or: [{ field: 'operator_id', op: 'eq', value: world.operators['op-b'] }, { field: 'department_id', op: 'eq', value: world.departments.B }] };
    expect(await searchAll(token(), { filter })).toEqual({ ids: [], total: 0 });
    const mixed = { or: [{ field: 'operator_id', op: 'in', value: [world.operators['op-b'], world.operators['op-a1a']] }] };
    expect(await searchAll(token(), { filter: mixed })).toEqual({ ids: idsOf(['op-a1a']), total: 2 });
  });

  it('reads a call of A1 with its transcript, deliveries and a playable recording URL', async () => {
    const res = await as(token(), 'GET', `/api/v1/communications/${callOf('op-a1').id}`);
    expect(res.status).toBe(200);
    const detail = (await res.json()) as { transcript: unknown; deliveries: unknown[]; media: { url: string } };
    expect(detail.transcript).toBe('клиент спросил про договор');
    expect(detail.deliveries).toEqual([]);
    const played = await ctx.app.request(new URL(detail.media.url).pathname + new URL(detail.media.url).search, { headers: { range: 'bytes=0-3' } });
    expect(played.status).toBe(206);
    expect(Buffer.from(await played.arrayBuffer()).toString('latin1')).toBe('RIFF');
  });

  it('gets 404 for a call of B, exactly as for an id that does not exist — and so no recording URL', async () => {
    const missing = await notFoundBody(await as(token(), 'GET', `/api/v1/communications/${crypto.randomUUID()}`));
    expect(missing.code).toBe('communication_not_found');
    for (const call of world.calls.filter((c) => !IN_A.includes(c.operator))) {
      expect(await notFoundBody(await as(token(), 'GET', `/api/v1/communications/${call.id}`))).toEqual(missing);
    }
    // The admin sees that call and its URL.
    const admin = await as(ADMIN_TOKEN, 'GET', `/api/v1/communications/${callOf('op-b').id}`);
    expect(((await admin.json()) as { media: { url: string | null } }).media.url).toMatch(/^http:\/\/earshot\.test\/media\//);
  });

  it('search items carry recording URLs only of its scope', async () => {
    const res = await as(token(), 'POST', '/api/v1/communications/search', { limit: 50 });
    const items = ((await res.json()) as Page).items;
    const urls = items.filter((i) => i.media?.url).map((i) => i.id);
    expect(urls).toEqual(world.calls.filter((c) => c.uid.endsWith('-1') && RECORDED.includes(c.operator) && IN_A.includes(c.operator)).map((c) => c.id));
  });

  it('sees the shared client’s card with only A’s recent communications, and no card of a client only B talked to', async () => {
    const res = await as(token(), 'GET', '/api/v1/clients/shared-client');
    expect(res.status).toBe(200);
    const card = (await res.json()) as { recent_communications: Array<{ id: string }> };
    expect(card.recent_communications.map((c) => c.id).sort()).toEqual(world.calls.filter((c) => c.client === 'shared-client' && IN_A.includes(c.operator)).map((c) => c.id).sort());
    const missing = await notFoundBody(await as(token(), 'GET', '/api/v1/clients/nobody-at-all'));
    expect(await notFoundBody(await as(token(), 'GET', '/api/v1/clients/client-of-op-b'))).toEqual(missing);
    expect((await as(token(), 'GET', '/api/v1/clients/client-of-op-a1a')).status).toBe(200);
  });

  it('tags a call of A, gets 404 tagging one of B; admin routes answer 403 forbidden', async () => {
    expect((await ctx.admin('POST', '/api/v1/sessions/tags', { tag: 'checked' })).status).toBe(201);
    expect((await as(token(), 'POST', `/api/v1/communications/${callOf('op-a').id}/tags`, { tag: 'checked' })).status).toBe(200);
    expect(await notFoundBody(await as(token(), 'POST', `/api/v1/communications/${callOf('op-b').id}/tags`, { tag: 'checked' }))).toMatchObject({ code: 'communication_not_found' });
    const admin = await as(token(), 'GET', '/api/v1/admin/operators');
    expect(admin.status).toBe(403);
    expect(((await admin.json()) as { error: { code: string } }).error.code).toBe('forbidden');
  });
});

describe('operator user', () => {
  const token = () => world.tokens.operator;

  it('finds only the calls posted under its own operator record', async () => {
    expect(await searchAll(token())).toEqual({ ids: idsOf(['op-a1']), total: 2 });
    expect(await searchAll(token(), { filter: { field: 'operator_id', op: 'eq', value: world.operators['op-a'] } })).toEqual({ ids: [], total: 0 });
  });

  it('reads its own call, gets 404 for a colleague’s in the same department tree', async () => {
    expect((await as(token(), 'GET', `/api/v1/communications/${callOf('op-a1').id}`)).status).toBe(200);
    const missing = await notFoundBody(await as(token(), 'GET', `/api/v1/communications/${crypto.randomUUID()}`));
    expect(await notFoundBody(await as(token(), 'GET', `/api/v1/communications/${callOf('op-a').id}`))).toEqual(missing);
    expect(await notFoundBody(await as(token(), 'GET', `/api/v1/communications/${callOf('op-a1a').id}`))).toEqual(missing);
  });

  it('sees the shared client’s card with only its own calls; may not tag (403)', async () => {
    const card = (await (await as(token(), 'GET', '/api/v1/clients/shared-client')).json()) as { recent_communications: Array<{ id: string }> };
    expect(card.recent_communications.map((c) => c.id)).toEqual([callOf('op-a1').id]);
    expect((await as(token(), 'GET', '/api/v1/clients/client-of-op-a')).status).toBe(404);
    expect((await as(token(), 'POST', `/api/v1/communications/${callOf('op-a1').id}/tags`, { tag: 'checked' })).status).toBe(403);
  });
});

describe('admin user and admin token', () => {
  it('see every call, the total of all of them', async () => {
    const all = world.calls.map((c) => c.id).sort();
    expect(await searchAll(world.tokens.adminUser)).toEqual({ ids: all, total: all.length });
    expect(await searchAll(ADMIN_TOKEN)).toEqual({ ids: all, total: all.length });
    expect((await as(world.tokens.adminUser, 'GET', `/api/v1/communications/${callOf('op-none').id}`)).status).toBe(200);
  });
});

describe('a supervisor without departments', () => {
  it('sees no communication at all, and no client card', async () => {
    expect((await ctx.admin('POST', '/api/v1/admin/users', { email: 'new@cc.example', name: 'New', role: 'supervisor', password: 'new supervisor 1' })).status).toBe(201);
    const login = await ctx.app.request('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'new@cc.example', password: 'new supervisor 1' }) });
    const { token } = (await login.json()) as { token: string };
    expect(await searchAll(token)).toEqual({ ids: [], total: 0 });
    expect(await searchAll(token, { q: 'договор' })).toEqual({ ids: [], total: 0 });
    expect((await as(token, 'GET', `/api/v1/communications/${callOf('op-none').id}`)).status).toBe(404);
    expect((await as(token, 'GET', '/api/v1/clients/shared-client')).status).toBe(404);
  });
});

describe('scope follows the department tree as it is now', () => {
  it('a department moved under A brings its operators’ calls into the supervisor’s scope on the next request', async () => {
    await ctx.db.updateTable('departments').set({ parent_id: world.departments.A }).where('id', '=', world.departments.B).execute();
    try {
      expect((await searchAll(world.tokens.supervisor)).ids).toEqual(idsOf([...IN_A, 'op-b']));
    } finally {
      await ctx.db.updateTable('departments').set({ parent_id: null }).where('id', '=', world.departments.B).execute();
    }
    expect((await searchAll(world.tokens.supervisor)).ids).toEqual(idsOf(IN_A));
  });
});
