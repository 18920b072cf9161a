// Integrations are isolated (issue 16 item 19): with integration A's token, B's clients, tags, attributes and
// communications answer 404 exactly like missing ids, lists show only A's (and shared) entries, and posting a
// call with B's client id makes A's own client. A second check walks the OpenAPI document, so a route added
// later that forgets the scope fails here too. Real Postgres through app.request().
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../migrations/index.js';
import { createTestContext, createTestDatabase, type TestContext } from '../support/context.js';
import { dropDatabase } from '../support/test-database.js';
import { callBody, createIntegration, postCall, seedWorld, type Integration } from '../support/fixtures.js';

let ctx: TestContext;
let a: Integration;
let b: Integration;

/** What B owns; markers are texts only B's data contains. */
const B = { client: 'b-client', firstName: 'Beatrice-secret', phone: '+79990000002', callUid: 'b-call-secret-uid', clientTag: 'b-ctag-secret', sessionTag: 'b-stag-secret', attribute: 'b_attr_secret' };
const MARKERS = [B.firstName, B.callUid, B.clientTag, B.sessionTag, B.attribute];
const ids = { bCall: '', bClientTag: '', bSessionTag: '', bAttribute: '', aCall: '', aClientTag: '', aSessionTag: '', aAttribute: '' };

const api = (method: string, path: string, body: unknown, token: string) =>
  ctx.app.request(path, { method, headers: { authorization: token, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
async function created(res: Response): Promise<{ id: string }> {
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return json<{ id: string }>(res);
}

/** B's data as the admin sees it; compared before and after A's requests. */
async function snapshotOfB() {
  const card = await json(await ctx.admin('GET', `/api/v1/clients/${B.client}?integration_id=${b.id}`));
  const call = await json<{ tags: string[]; client: unknown }>(await ctx.admin('GET', `/api/v1/communications/${ids.bCall}`));
  const tags = await json(await api('GET', '/api/v1/clients/tags?archived=true', undefined, b.token));
  const sessionTags = await json(await api('GET', '/api/v1/sessions/tags?archived=true', undefined, b.token));
  const attributes = await json(await api('GET', '/api/v1/clients/attributes', undefined, b.token));
  return { card, call: { tags: call.tags, client: call.client }, tags, sessionTags, attributes };
}

beforeAll(async () => {
  ctx = await createTestContext();
  ({ integration: a } = await seedWorld(ctx, { name: 'PBX A' }));
  b = await createIntegration(ctx, { name: 'PBX B' });

  ids.bCall = (await created(await postCall(ctx, b, callBody({ uid: B.callUid, client_phone_number: B.phone, client: { id: B.client, first_name: B.firstName } })))).id;
  ids.aCall = (await created(await postCall(ctx, a, callBody({ uid: 'a-call', client_phone_number: B.phone, client: { id: 'a-client', first_name: 'Alice' } })))).id;
  ids.bClientTag = (await created(await api('POST', '/api/v1/clients/tags', { tag: B.clientTag }, b.token))).id;
  ids.bSessionTag = (await created(await api('POST', '/api/v1/sessions/tags', { tag: B.sessionTag }, b.token))).id;
  ids.bAttribute = (await created(await api('POST', '/api/v1/clients/attributes', { name: B.attribute }, b.token))).id;
  ids.aClientTag = (await created(await api('POST', '/api/v1/clients/tags', { tag: 'a-ctag' }, a.token))).id;
  ids.aSessionTag = (await created(await api('POST', '/api/v1/sessions/tags', { tag: 'a-stag' }, a.token))).id;
  ids.aAttribute = (await created(await api('POST', '/api/v1/clients/attributes', { name: 'a_attr' }, a.token))).id;
  expect((await api('POST', `/api/v1/clients/${B.client}/tags`, { tag: B.clientTag }, b.token)).status).toBe(200);
  expect((await api('POST', `/api/v1/communications/${ids.bCall}/tags`, { tag: B.sessionTag }, b.token)).status).toBe(200);
  expect((await api('POST', `/api/v1/clients/${B.client}/attributes/${ids.bAttribute}`, { value: 'gold' }, b.token)).status).toBe(200);
});
afterAll(() => ctx.close());

describe("integration A's token on B's data", () => {
  it('answers 404 on every client, tag, attribute and communication route, as for a missing id', async () => {
    const missing = await api('GET', '/api/v1/clients/no-such-client', undefined, a.token);
    expect(missing.status).toBe(404);
    const notFound = (await json<{ error: { code: string } }>(missing)).error.code;
    const before = await snapshotOfB();

    const refused: Array<[string, string, unknown, number, string]> = [
      ['GET', `/api/v1/clients/${B.client}`, undefined, 404, notFound],
      ['GET', `/api/v1/clients/${B.client}/attributes`, undefined, 404, notFound],
      ['DELETE', `/api/v1/clients/${B.client}/tags/${B.clientTag}`, undefined, 404, notFound],
      ['POST', `/api/v1/clients/a-client/attributes/${ids.bAttribute}`, { value: 'x' }, 404, 'attribute_not_found'],
      ['POST', '/api/v1/clients/a-client/tags', { tag: B.clientTag }, 422, 'tag_not_found'],
      ['PATCH', `/api/v1/clients/tags/${ids.bClientTag}`, { tag: 'renamed-by-a' }, 404, 'tag_not_found'],
      ['PATCH', `/api/v1/clients/tags/${B.clientTag}`, { archived: true }, 404, 'tag_not_found'],
      ['PATCH', `/api/v1/sessions/tags/${ids.bSessionTag}`, { tag: 'renamed-by-a' }, 404, 'tag_not_found'],
      ['POST', `/api/v1/communications/${ids.bCall}/tags`, { tag: 'a-stag' }, 404, 'communication_not_found'],
      ['DELETE', `/api/v1/communications/${ids.bCall}/tags/${B.sessionTag}`, undefined, 404, 'communication_not_found'],
      ['POST', `/api/v1/communications/${ids.aCall}/tags`, { tag: B.sessionTag }, 422, 'tag_not_found'],
      ['PUT', `/api/v1/integrations/${a.id}/phone_calls/${B.callUid}/transcript`, 'a transcript', 404, 'communication_not_found'],
      ['GET', `/api/v1/clients/${B.client}?integration_id=${b.id}`, undefined, 404, notFound],
    ];
    for (const [method, path, body, status, code] of refused) {
      const res = await api(method, path, body, a.token);
      expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(status);
      expect((await json<{ error: { code: string } }>(res)).error.code, `${method} ${path}`).toBe(code);
    }
    expect(await snapshotOfB()).toEqual(before);
  });

  it('lists only its own and the shared tags and attributes', async () => {
    const shared = await created(await ctx.admin('POST', '/api/v1/clients/tags', { tag: 'shared-vip' }));
    const names = async (path: string, token: string) => (await json<{ items: Array<{ tag?: string; name?: string }> }>(await api('GET', path, undefined, token))).items.map((i) => i.tag ?? i.name).sort();
    expect(await names('/api/v1/clients/tags', a.token)).toEqual(['a-ctag', 'shared-vip']);
    expect(await names('/api/v1/sessions/tags', a.token)).toEqual(['a-stag']);
    expect(await names('/api/v1/clients/attributes', a.token)).toEqual(['a_attr']);
    // The admin token sees every integration's entries, each saying whose it is.
    const all = await json<{ items: Array<{ tag: string; integration_id: string | null }> }>(await ctx.admin('GET', '/api/v1/clients/tags'));
    expect(all.items.map((t) => [t.tag, t.integration_id]).sort()).toEqual([['a-ctag', a.id], [B.clientTag, b.id], ['shared-vip', null]]);
    // A shared entry is usable by every integration but only the admin changes it.
    expect((await api('POST', '/api/v1/clients/a-client/tags', { tag: 'shared-vip' }, a.token)).status).toBe(200);
    const readonly = await api('PATCH', `/api/v1/clients/tags/${shared.id}`, { tag: 'mine-now' }, a.token);
    expect(readonly.status).toBe(403);
    expect((await json<{ error: { code: string } }>(readonly)).error.code).toBe('shared_entry_readonly');
    // Names are per integration: A may have its own tag named like B's (a 409 would tell A that B has it).
    expect((await api('POST', '/api/v1/clients/tags', { tag: B.clientTag }, a.token)).status).toBe(201);
    expect((await api('POST', '/api/v1/clients/tags', { tag: 'shared-vip' }, a.token)).status).toBe(409);
  });

  it("keeps B's clients out of A's card (phones shared with them included)", async () => {
    const card = await json<{ linked_clients: unknown[]; recent_communications: Array<{ uid: string }> }>(await api('GET', '/api/v1/clients/a-client', undefined, a.token));
    expect(card.linked_clients).toEqual([]);
    expect(card.recent_communications.map((c) => c.uid)).toEqual(['a-call']);
    expect(JSON.stringify(card)).not.toContain(B.client);
  });

  it("posting a call with B's client id makes A's own client and never renames B's", async () => {
    const res = await postCall(ctx, a, callBody({ uid: 'a-call-b-client', client: { id: B.client, first_name: 'Mallory', last_name: 'Overwrite' } }));
    expect(res.status, await res.clone().text()).toBe(201);
    const bCard = await json<{ first_name: string; last_name: string | null; recent_communications: Array<{ uid: string }> }>(await ctx.admin('GET', `/api/v1/clients/${B.client}?integration_id=${b.id}`));
    expect(bCard).toMatchObject({ first_name: B.firstName, last_name: null });
    expect(bCard.recent_communications.map((c) => c.uid)).toEqual([B.callUid]);
    const aCard = await json<{ first_name: string; tags: string[]; attributes: unknown[]; recent_communications: Array<{ uid: string }> }>(await api('GET', `/api/v1/clients/${B.client}`, undefined, a.token));
    expect(aCard).toMatchObject({ first_name: 'Mallory', tags: [], attributes: [] });
    expect(aCard.recent_communications.map((c) => c.uid)).toEqual(['a-call-b-client']);
  });
});

describe('the admin token across integrations', () => {
  it('names the integration when an external id exists in several, or when it creates a client', async () => {
    const ambiguous = await ctx.admin('GET', `/api/v1/clients/${B.client}`);
    expect(ambiguous.status).toBe(422);
    expect((await json<{ error: { code: string; details: Array<{ path: string }> } }>(ambiguous)).error).toMatchObject({ code: 'integration_required', details: [{ path: 'integration_id' }] });
    const create = await ctx.admin('POST', '/api/v1/clients/crm-only-client/tags', { tag: 'shared-vip' });
    expect(create.status).toBe(422);
    expect((await json<{ error: { code: string } }>(create)).error.code).toBe('integration_required');
    expect((await ctx.admin('POST', `/api/v1/clients/crm-only-client/tags?integration_id=${a.id}`, { tag: 'shared-vip' })).status).toBe(200);
    expect((await api('GET', '/api/v1/clients/crm-only-client', undefined, a.token)).status).toBe(200);
    expect((await api('GET', '/api/v1/clients/crm-only-client', undefined, b.token)).status).toBe(404);
    const unknown = await ctx.admin('GET', `/api/v1/clients/crm-only-client?integration_id=00000000-0000-4000-8000-000000000000`);
    expect(unknown.status).toBe(404);
    expect((await ctx.admin('GET', '/api/v1/clients/crm-only-client?integration_id=not-a-uuid')).status).toBe(422);
    // A tag the admin makes for one integration is that integration's, not shared.
    expect(await json(await ctx.admin('POST', `/api/v1/sessions/tags?integration_id=${a.id}`, { tag: 'made-for-a' }))).toMatchObject({ tag: 'made-for-a', integration_id: a.id });
    const listed = async (token: string) => (await json<{ items: Array<{ tag: string }> }>(await api('GET', '/api/v1/sessions/tags', undefined, token))).items.map((t) => t.tag);
    expect(await listed(a.token)).toContain('made-for-a');
    expect(await listed(b.token)).not.toContain('made-for-a');
  });

  it('refuses to merge clients of different integrations', async () => {
    const res = await ctx.admin('POST', `/api/v1/admin/clients/a-client/merge?integration_id=${a.id}`, { client_id: 'crm-only-client' });
    expect(res.status, await res.clone().text()).toBe(200);
    const bOnly = await created(await postCall(ctx, b, callBody({ uid: 'b-call-2', client: { id: 'b-only' } })));
    expect(bOnly.id).toBeTruthy();
    const refused = await ctx.admin('POST', '/api/v1/admin/clients/a-client/merge', { client_id: 'b-only' });
    expect(refused.status).toBe(422);
    expect((await json<{ error: { code: string } }>(refused)).error.code).toBe('merge_across_integrations');
  });
});

/** A value per path parameter: B's ids, A's own where the parameter names the caller's integration. */
function valuesOfB(): Map<string, string> {
  return new Map([
    ['client_id', B.client],
    ['attribute_id', ids.bAttribute],
    ['id', ids.bCall],
    ['uid', B.callUid],
  ]);
}

/** A valid body per route taking one, so the request reaches the lookup instead of stopping at validation. */
const BODIES = new Map<string, { type: string; body: string }>([
  ['PUT /api/v1/integrations/{integration_id}/phone_calls/{uid}/transcript', { type: 'application/json', body: JSON.stringify('a transcript') }],
  ['PUT /api/v1/integrations/{integration_id}/phone_calls/{uid}/recording', { type: 'audio/wav', body: 'RIFF....WAVE' }],
  ['PATCH /api/v1/clients/tags/{tag}', { type: 'application/json', body: JSON.stringify({ tag: 'renamed-by-a' }) }],
  ['PATCH /api/v1/sessions/tags/{tag}', { type: 'application/json', body: JSON.stringify({ tag: 'renamed-by-a' }) }],
  ['POST /api/v1/clients/{client_id}/attributes/{attribute_id}', { type: 'application/json', body: JSON.stringify({ value: 'x' }) }],
  ['POST /api/v1/clients/{client_id}/tags', { type: 'application/json', body: JSON.stringify({ tag: 'a-ctag' }) }],
  ['POST /api/v1/communications/{id}/tags', { type: 'application/json', body: JSON.stringify({ tag: 'a-stag' }) }],
]);

/**
 * An external client id names a client per integration: a POST with B's client id reaches (creates) A's own client
 * of that id, which is right as long as it neither shows nor changes B's. A session tag taken off a communication
 * is a label of A's own call, not an id of B's. Every other answer to B's ids must be a refusal.
 */
const reachesOwnClient = (method: string, target: string) => target === 'client_id' && method === 'post';
const LABELS = new Set(['DELETE /api/v1/communications/{id}/tags/{tag} [tag]']);

type Operation = { security?: Array<Record<string, unknown>>; parameters?: Array<{ name: string; in: string }>; requestBody?: unknown };

describe('every route of the OpenAPI document an integration token reaches', () => {
  it("answers A's token on B's ids with 401/403/404/422, never a 2xx that shows or changes B's data", async () => {
    const document = await json<{ paths: Record<string, Record<string, Operation>> }>(await ctx.app.request('/api/openapi.json'));
    const before = await snapshotOfB();
    const checked: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!(operation.security ?? []).some((s) => Object.hasOwn(s, 'integrationToken'))) continue;
        const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
        const idParams = params.filter((p) => p !== 'integration_id');
        if (idParams.length === 0) continue;
        const route = `${method.toUpperCase()} ${path}`;
        const body = BODIES.get(route);
        if (operation.requestBody !== undefined) expect(body, `${route} takes a body: give one in BODIES`).toBeDefined();
        // B's value in one parameter at a time, A's own in the others, so each parameter is checked by itself.
        const own = new Map([['integration_id', a.id], ['client_id', 'a-client'], ['attribute_id', ids.aAttribute], ['id', ids.aCall], ['uid', 'a-call'], ['tag', path.startsWith('/api/v1/clients') ? ids.aClientTag : ids.aSessionTag]]);
        const ofB = new Map([...valuesOfB(), ['tag', path.startsWith('/api/v1/clients') ? ids.bClientTag : ids.bSessionTag]]);
        for (const target of idParams) {
          expect(ofB.has(target), `${route}: no value of B for the path parameter "${target}"; add one`).toBe(true);
          if (target === 'client_id') {
            // A client only B has (A has never named it), so a read of it can only be a read of B's.
            const fresh = `b-only-${checked.length}`;
            expect((await api('POST', `/api/v1/clients/${fresh}/attributes/${ids.bAttribute}`, { value: B.firstName }, b.token)).status).toBe(200);
            ofB.set('client_id', fresh);
          }
          const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent((name === target ? ofB.get(name) : own.get(name))!));
          const res = await ctx.app.request(url, { method: method.toUpperCase(), headers: { authorization: a.token, ...(body ? { 'content-type': body.type } : {}) }, ...(body ? { body: body.body } : {}) });
          const text = await res.text();
          checked.push(`${route} [${target}] → ${res.status}`);
          if ((reachesOwnClient(method, target) || LABELS.has(`${route} [${target}]`)) && res.status < 300) {
            for (const marker of MARKERS) expect(text, `${route} with B's ${target} shows B's data`).not.toContain(marker);
            continue;
          }
          expect([401, 403, 404, 422], `${route} with B's ${target}: ${res.status} ${text}`).toContain(res.status);
        }
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(12);
    expect(await snapshotOfB()).toEqual(before);
  });
});

describe('migration 0019 (clients per integration)', () => {
  it('splits a client shared by two integrations into one per integration, repeatably, and merges it back on down', async () => {
    const { name, url } = await createTestDatabase();
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) });
    const m0019 = (await migrationProvider.getMigrations())['0019_integration_isolation']!;
    const rows = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(db)).rows;
    const clients = () => rows<{ integration_id: string | null; external_id: string; first_name: string | null; split: boolean; calls: string[]; tags: string[]; attributes: unknown[]; aliases: string[] }>(sql`
      SELECT (to_jsonb(cl) ->> 'integration_id')::uuid AS integration_id, cl.external_id, cl.first_name, to_jsonb(cl) ->> 'split_from' IS NOT NULL AS split,
        array(SELECT uid FROM communications c WHERE c.client_id = cl.id ORDER BY uid) AS calls,
        array(SELECT t.name FROM client_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.client_id = cl.id ORDER BY t.name) AS tags,
        array(SELECT v.value FROM client_attribute_values v WHERE v.client_id = cl.id) AS attributes,
        array(SELECT a.external_id FROM client_aliases a WHERE a.client_id = cl.id) AS aliases
      FROM clients cl ORDER BY cl.external_id, to_jsonb(cl) ->> 'split_from' IS NOT NULL`);
    try {
      await m0019.down!(db);
      const [ia, ib, ic] = (await rows<{ id: string }>(sql`INSERT INTO integrations (name, token_hash) VALUES ('A', 'ha'), ('B', 'hb'), ('C', 'hc') RETURNING id`)).map((r) => r.id);
      const [shared] = await rows<{ id: string }>(sql`INSERT INTO clients (external_id, first_name, phones) VALUES ('shared-x', 'Xena', '{+79990000001}') RETURNING id`);
      await sql`INSERT INTO clients (external_id) VALUES ('orphan')`.execute(db);
      await sql`INSERT INTO client_aliases (external_id, client_id) VALUES ('old-x', ${shared!.id})`.execute(db);
      const [tag] = await rows<{ id: string }>(sql`INSERT INTO tags (scope, name) VALUES ('client', 'vip') RETURNING id`);
      await sql`INSERT INTO client_tags (client_id, tag_id) VALUES (${shared!.id}, ${tag!.id})`.execute(db);
      const [attribute] = await rows<{ id: string }>(sql`INSERT INTO client_attributes (name, type) VALUES ('tier', 'string') RETURNING id`);
      await sql`INSERT INTO client_attribute_values (client_id, attribute_id, value) VALUES (${shared!.id}, ${attribute!.id}, '"gold"')`.execute(db);
      await sql`
        INSERT INTO communications (kind, integration_id, uid, started_at, client_id, raw, created_at) VALUES
          ('call', ${ia}, 'a-1', now(), ${shared!.id}, '{}', now() - interval '2 days'),
          ('call', ${ia}, 'a-2', now(), ${shared!.id}, '{}', now()),
          ('call', ${ib}, 'b-1', now(), ${shared!.id}, '{}', now() - interval '1 day')`.execute(db);
      expect(ic).toBeTruthy();

      await m0019.up!(db);
      const split = [
        { integration_id: null, external_id: 'orphan', first_name: null, split: false, calls: [], tags: [], attributes: [], aliases: [] },
        { integration_id: ia, external_id: 'shared-x', first_name: 'Xena', split: false, calls: ['a-1', 'a-2'], tags: ['vip'], attributes: ['gold'], aliases: ['old-x'] },
        { integration_id: ib, external_id: 'shared-x', first_name: 'Xena', split: true, calls: ['b-1'], tags: ['vip'], attributes: ['gold'], aliases: ['old-x'] },
      ];
      expect(await clients()).toEqual(split);
      await m0019.up!(db); // a second run finds nothing to split
      expect(await clients()).toEqual(split);
      // The batch function now upserts clients per integration.
      const definition = async () => (await rows<{ d: string }>(sql`SELECT pg_get_functiondef('earshot_write_call_batch(jsonb)'::regprocedure) AS d`))[0]!.d;
      expect(await definition()).toContain('ON CONFLICT (integration_id, external_id)');

      await m0019.down!(db);
      expect(await clients()).toEqual([
        { integration_id: null, external_id: 'orphan', first_name: null, split: false, calls: [], tags: [], attributes: [], aliases: [] },
        { integration_id: null, external_id: 'shared-x', first_name: 'Xena', split: false, calls: ['a-1', 'a-2', 'b-1'], tags: ['vip'], attributes: ['gold'], aliases: ['old-x'] },
      ]);
      expect(await definition()).toContain('ON CONFLICT (external_id)');
      await m0019.up!(db);
      expect(await clients()).toEqual(split);
    } finally {
      await db.destroy();
      await dropDatabase(name);
    }
  });
});
