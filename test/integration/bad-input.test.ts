// Bad input gets its documented 4xx with field paths, never a 5xx, and leaves no rows behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.js';
import { signIn } from '../support/console.js';
import { callBody, createIntegration, postCall, seedWorld, type Integration } from '../support/fixtures.js';

let ctx: TestContext;
let integration: Integration;
let other: Integration;

beforeAll(async () => {
  ctx = await createTestContext({ bodyLimitBytes: 64 * 1024 });
  ({ integration } = await seedWorld(ctx));
  other = await createIntegration(ctx, { name: 'Other PBX' });
});
afterAll(() => ctx.close());

async function counts() {
  const n = async (table: 'communications' | 'clients' | 'outbox') =>
    Number((await ctx.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { communications: await n('communications'), clients: await n('clients'), outbox: await n('outbox') };
}

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { code: string; request_id: string; details: Array<{ path: string; code: string }> } };
  expect(body.error.code).toBe(code);
  expect(body.error.request_id).toBe(res.headers.get('x-request-id'));
  return body.error;
}

const raw = (body: string | Uint8Array, headers: Record<string, string> = {}) =>
  ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls`, { method: 'POST', headers: { authorization: integration.token, ...headers }, body });

describe('phone call ingestion refuses bad input and stores nothing', () => {
  let before: Awaited<ReturnType<typeof counts>>;
  beforeAll(async () => {
    before = await counts();
  });
  afterAll(async () => {
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['malformed JSON', '{"operator_id": '],
    ['empty body', ''],
  ])('%s → 400 invalid_json', async (_, body) => {
    await expectError(await raw(body), 400, 'invalid_json');
  });

  it('invalid UTF-8 → 400 invalid_json', async () => {
    await expectError(await raw(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), 400, 'invalid_json');
  });

  it.each([['[]'], ['"call"'], ['42'], ['null']])('JSON %s that is not an object → 422 validation_failed', async (body) => {
    await expectError(await raw(body), 422, 'validation_failed');
  });

  it('missing required fields → one detail per path, code required', async () => {
    const error = await expectError(await raw('{}'), 422, 'validation_failed');
    expect(error.details).toEqual(
      expect.arrayContaining(['operator_id', 'started_at', 'media_url'].map((path) => expect.objectContaining({ path, code: 'required' }))),
    );
  });

  it('wrong types → paths of the bad fields', async () => {
    const error = await expectError(
      await postCall(ctx, integration, callBody({ duration: 'abc', nps: -5000, tags: 'vip', direction: 'sideways', transcript: [{ speaker: 'robot', start: 0, end: 1, text: 'x' }], media_url: 'ftp://x/y' })),
      422,
      'validation_failed',
    );
    expect(error.details.map((d) => d.path).sort()).toEqual(['direction', 'duration', 'media_url', 'nps', 'tags', 'transcript[0].speaker'].sort());
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])('direction %s (an Object.prototype name) → 422 at direction', async (direction) => {
    const error = await expectError(await postCall(ctx, integration, callBody({ direction })), 422, 'validation_failed');
    expect(error.details.map((d) => d.path)).toEqual(['direction']);
  });

  it.each([
    ['uid', ''],
    ['uid', '   '],
    ['phone_call_chain_uid', ''],
  ])('%s %j → 422: an empty id would merge every call that sends one', async (field, value) => {
    const error = await expectError(await postCall(ctx, integration, callBody({ [field]: value })), 422, 'validation_failed');
    expect(error.details.map((d) => d.path)).toEqual([field]);
  });

  it.each(['0000-01-01T00:00:00Z', '0000-01-01T00:00:00+03:00', '1800-01-01T00:00:00Z', '2201-01-01T00:00:00Z'])(
    'started_at %s (outside 1900–2200) → 422 at started_at, not 500',
    async (startedAt) => {
      const error = await expectError(await postCall(ctx, integration, callBody({ started_at: startedAt })), 422, 'invalid_timestamp');
      expect(error.details.map((d) => d.path)).toEqual(['started_at']);
    },
  );

  it('negative duration → 422 at duration', async () => {
    const error = await expectError(await postCall(ctx, integration, callBody({ duration: -1 })), 422, 'validation_failed');
    expect(error.details).toEqual([expect.objectContaining({ path: 'duration', code: 'too_small' })]);
  });

  it('NUL characters and lone surrogates → 422 invalid_characters', async () => {
    const nul = await expectError(await raw('{"operator_id": "a\\u0000b", "started_at": "x", "media_url": "https://x/y"}'), 422, 'validation_failed');
    expect(nul.details).toEqual([expect.objectContaining({ path: 'operator_id', code: 'invalid_characters' })]);
    const surrogate = await expectError(await raw('{"custom_fields": {"topic": "\\ud800"}}'), 422, 'validation_failed');
    expect(surrogate.details).toEqual([expect.objectContaining({ path: 'custom_fields.topic', code: 'invalid_characters' })]);
  });

  it('deep nesting → 422 too_deep', async () => {
    const deep = '{"custom_fields": {"topic": ' + '['.repeat(100) + ']'.repeat(100) + '}}';
    const error = await expectError(await raw(deep), 422, 'validation_failed');
    expect(error.details[0]).toMatchObject({ code: 'too_deep' });
  });

  it('oversize body → 413 payload_too_large, declared or streamed', async () => {
    const big = JSON.stringify(callBody({ transcript: 'x'.repeat(70 * 1024) }));
    await expectError(await raw(big), 413, 'payload_too_large');
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    await expectError(await ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls`, { method: 'POST', headers: { authorization: integration.token }, body: stream, duplex: 'half' } as RequestInit), 413, 'payload_too_large');
  });

  it('unknown integration → 404 integration_not_found; malformed id → 404', async () => {
    const res = await ctx.app.request('/api/v1/integrations/00000000-0000-4000-8000-000000000000/phone_calls', { method: 'POST', headers: { authorization: integration.token }, body: JSON.stringify(callBody()) });
    await expectError(res, 404, 'integration_not_found');
    const bad = await ctx.app.request('/api/v1/integrations/..%2f..%2fetc/phone_calls', { method: 'POST', headers: { authorization: integration.token }, body: '{}' });
    expect(bad.status).toBe(404);
  });

  it.each([
    ['missing token', undefined],
    ['wrong token', 'esi_wrong'],
    ['Bearer with wrong token', 'Bearer esi_wrong'],
  ])('%s → 401 unauthorized', async (_, token) => {
    const headers: Record<string, string> = token ? { authorization: token } : {};
    const res = await ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls`, { method: 'POST', headers, body: JSON.stringify(callBody()) });
    await expectError(res, 401, 'unauthorized');
  });

  it("another integration's token → 401", async () => {
    const res = await ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls`, { method: 'POST', headers: { authorization: other.token }, body: JSON.stringify(callBody()) });
    await expectError(res, 401, 'unauthorized');
  });
});

describe('accepted forms', () => {
  it('takes Bearer tokens and bodies sent as text/plain or with no content type', async () => {
    const bearer = await postCall(ctx, integration, callBody({ uid: 'form-1' }), { authorization: `Bearer ${integration.token}`, 'content-type': 'text/plain' });
    expect(bearer.status).toBe(201);
    const none = await ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls`, { method: 'POST', headers: { authorization: integration.token }, body: new TextEncoder().encode(JSON.stringify(callBody({ uid: 'form-2' }))) });
    expect(none.status).toBe(201);
  });
});

describe('routes and admin auth', () => {
  it('unknown route → 404 not_found', async () => {
    await expectError(await ctx.app.request('/api/v2/nothing'), 404, 'not_found');
  });

  it.each([
    ['GET', '/api/v1/admin/integrations'],
    ['POST', '/api/v1/admin/operators'],
    ['GET', '/api/v1/admin/custom_fields'],
    ['POST', '/api/v1/communications/search'],
    ['GET', '/api/v1/communications/00000000-0000-4000-8000-000000000000'],
  ])('%s %s without or with a wrong admin token → 401', async (method, path) => {
    await expectError(await ctx.app.request(path, { method, body: method === 'POST' ? '{}' : undefined }), 401, 'unauthorized');
    await expectError(await ctx.app.request(path, { method, headers: { authorization: `Bearer ${integration.token}` }, body: method === 'POST' ? '{}' : undefined }), 401, 'unauthorized');
  });
});

describe('NUL characters outside JSON bodies (Postgres cannot store them)', () => {
  it.each([
    ['a path parameter', '/api/v1/clients/a%00b', 'path'],
    ['a query parameter', '/api/v1/admin/operators?cursor=a%00b', 'query.cursor'],
    ['a query parameter name', '/api/v1/admin/operators?a%00b=1', 'query.a\\0b'],
    ['a media URL', '/media/00000000-0000-4000-8000-000000000000?expires=1&sig=%00', 'query.sig'],
  ])('in %s → 422 invalid_characters with its path', async (_, path, detail) => {
    const error = await expectError(await ctx.admin('GET', path), 422, 'validation_failed');
    expect(error.details).toContainEqual(expect.objectContaining({ path: detail, code: 'invalid_characters' }));
  });

  it('in an operator CSV → 422 invalid_characters', async () => {
    const res = await ctx.admin('POST', '/api/v1/admin/operators/import', 'external_id,email,first_name,last_name,department,active\nnul\u0000op,,,,,true\n', { 'content-type': 'text/csv' });
    const error = await expectError(res, 422, 'validation_failed');
    expect(error.details).toEqual([expect.objectContaining({ path: 'body', code: 'invalid_characters' })]);
  });

  it('in the console search → 422 with a message, not 503', async () => {
    const client = await signIn(ctx);
    const res = await client.get('/console/communications?q=a%00b');
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('NUL characters and lone surrogates are not accepted');
  });

  it('in a console form field → 422 with a message, and nothing stored', async () => {
    const client = await signIn(ctx);
    const res = await client.post('/console/operators/departments', { department_name: 'Sales\u0000' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('NUL characters and lone surrogates are not accepted');
    expect(await ctx.db.selectFrom('departments').select('id').where('name', 'like', 'Sales%').execute()).toEqual([]);
  });
});
