// Chats beside calls, client attributes, client and session tags, the client card and merging, on real
// Postgres through the HTTP API (the Twin flow included), with search over what they add.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';

let ctx: TestContext;
let integration: Integration;

beforeAll(async () => {
  ctx = await createTestContext({ bodyLimitBytes: 12 * 1024 * 1024 });
  ({ integration } = await seedWorld(ctx));
});
afterAll(() => ctx.close());

const msg = (id: string, sentAt: string, text: string, author = 'client') => ({ id, author, text, sent_at: sentAt });
const chat = (overrides: Record<string, unknown> = {}) => ({
  uid: 'chat-1',
  operator_id: 'operator@email.com',
  started_at: '2024-05-14T10:00:00+03:00',
  channel: 'telegram',
  client: { id: 'client-tg-1', first_name: 'Анна' },
  messages: [msg('m1', '2024-05-14T10:00:01+03:00', 'Здравствуйте, где мой заказ?'), msg('m2', '2024-05-14T10:00:30+03:00', 'Сейчас проверю', 'operator')],
  ...overrides,
});
const postChat = (body: unknown, token = integration.token) =>
  ctx.app.request(`/api/v1/integrations/${integration.id}/chats`, { method: 'POST', headers: { authorization: token }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const api = (method: string, path: string, body?: unknown, token?: string) =>
  token === undefined ? ctx.admin(method, path, body) : ctx.app.request(path, { method, headers: { authorization: token }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
const search = async (body: Record<string, unknown>) => {
  await ctx.services.searchSync.drain();
  const res = await ctx.admin('POST', '/api/v1/communications/search', body);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await json<{ items: Array<{ uid: string; highlight?: string }> }>(res)).items.map((i) => i.uid).sort();
};

describe('chat ingestion', () => {
  it('stores a chat beside calls, then merges a growing dialogue by message id', async () => {
    const first = await postChat(chat());
    expect(first.status, await first.clone().text()).toBe(201);
    const { id } = await json<{ id: string }>(first);

    // The platform posts the whole dialogue again, grown by two messages and with one corrected text.
    const grown = chat({
      messages: [
        msg('m1', '2024-05-14T10:00:01+03:00', 'Здравствуйте, где мой заказ?'),
        msg('m2', '2024-05-14T10:00:30+03:00', 'Сейчас проверю заказ', 'operator'),
        msg('m4', '2024-05-14T10:02:00+03:00', 'Спасибо!'),
        msg('m3', '2024-05-14T10:01:00+03:00', 'Заказ передан в доставку', 'bot'),
      ],
    });
    const again = await postChat(grown);
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ id, status: 'updated' });
    expect((await postChat(grown)).status).toBe(200); // a third identical post changes nothing

    const view = await json<{ kind: string; channel: string; messages: Array<{ id: string; author: string; text: string; sent_at: string }> }>(await ctx.admin('GET', `/api/v1/communications/${id}`));
    expect(view.kind).toBe('chat');
    expect(view.channel).toBe('telegram');
    expect(view.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3', 'm4']); // in the order sent
    expect(view.messages[1]).toMatchObject({ author: 'operator', text: 'Сейчас проверю заказ', sent_at: '2024-05-14T07:00:30.000Z' });
    const stored = await ctx.db.selectFrom('messages').select((eb) => eb.fn.countAll().as('n')).where('communication_id', '=', id).executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(4);
  });

  it('makes message text searchable like transcripts, with Russian morphology', async () => {
    expect(await search({ q: 'доставки' })).toEqual(['chat-1']); // «доставку» in a bot message
    expect(await search({ filter: { field: 'kind', op: 'eq', value: 'chat' } })).toEqual(['chat-1']);
  });

  it('refuses duplicate message ids in one post, with the path of the duplicate, and stores nothing', async () => {
    const res = await postChat(chat({ uid: 'chat-dup', messages: [msg('a', '2024-05-14T10:00:01Z', 'x'), msg('b', '2024-05-14T10:00:02Z', 'y'), msg('a', '2024-05-14T10:00:03Z', 'z')] }));
    expect(res.status).toBe(422);
    expect(await json(res)).toMatchObject({ error: { code: 'duplicate_message_id', details: [{ path: 'messages[2].id', code: 'duplicate_message_id' }] } });
    expect(await ctx.db.selectFrom('communications').select('id').where('uid', '=', 'chat-dup').execute()).toEqual([]);
  });

  it('answers bad chats with documented 4xx and stores nothing', async () => {
    const cases: Array<[unknown, number, string, string?]> = [
      [chat({ uid: 'c-a', operator_id: 'nobody' }), 422, 'operator_not_found', 'operator_id'],
      [chat({ uid: 'c-b', messages: [{ id: 'x', author: 'robot', text: 'hi', sent_at: '2024-05-14T10:00:00Z' }] }), 422, 'validation_failed', 'messages[0].author'],
      [chat({ uid: 'c-c', messages: [msg('x', 'yesterday', 'hi')] }), 422, 'invalid_timestamp', 'messages[0].sent_at'],
      [chat({ uid: 'c-d', messages: 'hello' }), 422, 'validation_failed', 'messages'],
      ['{"uid": "c-e",', 400, 'invalid_json'],
    ];
    for (const [body, status, code, path] of cases) {
      const res = await postChat(body);
      const answer = await json<{ error: { code: string; details: Array<{ path: string }> } }>(res);
      expect([res.status, answer.error.code], JSON.stringify(answer)).toEqual([status, code]);
      if (path) expect(answer.error.details.map((d) => d.path)).toContain(path);
    }
    expect(await ctx.db.selectFrom('communications').select('uid').where('uid', 'like', 'c-%').execute()).toEqual([]);
    expect((await postChat(chat(), 'esi_wrong')).status).toBe(401);
  });

  it('will not turn a call into a chat through a shared uid', async () => {
    expect((await postCall(ctx, integration, callBody({ uid: 'shared-uid' }))).status).toBe(201);
    const res = await postChat(chat({ uid: 'shared-uid' }));
    expect(res.status).toBe(409);
    expect((await json<{ error: { code: string } }>(res)).error.code).toBe('uid_is_a_call');
  });

  it('takes a dialogue of about 10 MB in one post and stores every message once', async () => {
    const text = 'а'.repeat(1000); // 2,000 bytes of UTF-8 each
    const messages = Array.from({ length: 5000 }, (_, i) => msg(`big-${i}`, new Date(Date.UTC(2024, 4, 14, 10) + i * 1000).toISOString(), `${i} ${text}`));
    const body = JSON.stringify(chat({ uid: 'chat-big', client: { id: 'client-big' }, messages }));
    expect(body.length).toBeGreaterThan(5_000_000);
    expect(Buffer.byteLength(body)).toBeGreaterThan(10_000_000);
    const res = await postChat(body);
    expect(res.status, await res.clone().text()).toBe(201);
    expect((await postChat(body)).status).toBe(200);
    const { id } = await json<{ id: string }>(res);
    const stored = await ctx.db.selectFrom('messages').select((eb) => eb.fn.countAll().as('n')).where('communication_id', '=', id).executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(5000);
  }, 60_000);
});

describe('client attributes (the Twin flow)', () => {
  let profession: string;
  let visits: string;

  it('defines attributes, lists them, sets values on a client and reads them back', async () => {
    const created = await api('POST', '/api/v1/clients/attributes', { name: 'Профессия' });
    expect(created.status).toBe(201);
    ({ id: profession } = await json<{ id: string }>(created));
    expect(await json(await api('POST', '/api/v1/clients/attributes', { name: 'visits', type: 'number' }, integration.token))).toMatchObject({ name: 'visits', type: 'number' });
    const list = await json<{ items: Array<{ id: string; name: string; type: string }> }>(await api('GET', '/api/v1/clients/attributes'));
    expect(list.items.map((a) => [a.name, a.type])).toEqual([
      ['visits', 'number'],
      ['Профессия', 'string'],
    ]);
    visits = list.items[0]!.id;

    expect((await api('POST', `/api/v1/clients/client-tg-1/attributes/${profession}`, { value: 'инженер' }, integration.token)).status).toBe(200);
    expect(await json(await api('POST', `/api/v1/clients/client-tg-1/attributes/${visits}`, { value: '7' }))).toMatchObject({ value: 7 });
    const values = await json<{ items: Array<{ name: string; value: unknown }> }>(await api('GET', '/api/v1/clients/client-tg-1/attributes', undefined, integration.token));
    expect(values.items.map((v) => [v.name, v.value])).toEqual([
      ['visits', 7],
      ['Профессия', 'инженер'],
    ]);
  });

  it('creates a client on first sight through the attribute API (in the integration of the token, or the one the admin names)', async () => {
    expect((await api('POST', `/api/v1/clients/new-from-crm/attributes/${profession}`, { value: 'врач' }, integration.token)).status).toBe(200);
    expect((await api('POST', `/api/v1/clients/new-from-admin/attributes/${profession}?integration_id=${integration.id}`, { value: 'врач' })).status).toBe(200);
    expect((await json<{ id: string }>(await api('GET', '/api/v1/clients/new-from-admin', undefined, integration.token))).id).toBe('new-from-admin');
    expect((await json<{ id: string }>(await api('GET', '/api/v1/clients/new-from-crm'))).id).toBe('new-from-crm');
  });

  it('answers wrong input with documented 4xx', async () => {
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', `/api/v1/clients/client-tg-1/attributes/${'0'.repeat(8)}-0000-4000-8000-000000000000`, { value: 'x' }, 404, 'attribute_not_found'],
      ['POST', '/api/v1/clients/client-tg-1/attributes/not-a-uuid', { value: 'x' }, 404, 'attribute_not_found'],
      ['POST', '/api/v1/clients/attributes', { name: 'ПРОФЕССИЯ' }, 409, 'attribute_exists'],
      ['POST', '/api/v1/clients/attributes', { name: 'x', type: 'money' }, 422, 'validation_failed'],
      ['GET', '/api/v1/clients/nobody/attributes', undefined, 404, 'client_not_found'],
      ['GET', '/api/v1/clients/nobody', undefined, 404, 'client_not_found'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await api(method, path, body);
      expect([res.status, (await json<{ error: { code: string } }>(res)).error.code], `${method} ${path}`).toEqual([status, code]);
    }
    const wrongType = await api('POST', `/api/v1/clients/client-tg-1/attributes/${visits}`, { value: 'many' });
    expect(wrongType.status).toBe(422);
    expect(await json(wrongType)).toMatchObject({ error: { code: 'invalid_attribute_value', details: [{ path: 'value' }] } });
    expect((await api('GET', '/api/v1/clients/attributes', undefined, 'esi_wrong')).status).toBe(401);
  });

  it('makes attributes filterable in search as client.attr.<name>', async () => {
    expect(await search({ filter: { field: 'client.attr.профессия', op: 'eq', value: 'инженер' } })).toEqual(['chat-1']);
    expect(await search({ filter: { field: 'client.attr.visits', op: 'gte', value: 5 } })).toEqual(['chat-1']);
    expect(await search({ filter: { field: 'client.attr.visits', op: 'gt', value: 7 } })).toEqual([]);
    const unknown = await ctx.admin('POST', '/api/v1/communications/search', { filter: { field: 'client.attr.nope', op: 'eq', value: 'x' } });
    expect(unknown.status).toBe(422);
  });
});

describe('client and session tags', () => {
  it('keeps dictionaries with case-insensitive unique names, attaches tags and filters by them', async () => {
    expect((await api('POST', '/api/v1/clients/tags', { tag: 'VIP' })).status).toBe(201);
    expect((await api('POST', '/api/v1/clients/tags', { tag: 'vip' })).status).toBe(409);
    expect((await api('POST', '/api/v1/sessions/tags', { tag: 'Предоплата' }, integration.token)).status).toBe(201);
    expect((await api('POST', '/api/v1/sessions/tags', { tag: 'предоплата' })).status).toBe(409);
    expect((await api('POST', '/api/v1/sessions/tags', { tag: 'VIP' })).status).toBe(201); // another scope
    expect((await json<{ items: Array<{ tag: string }> }>(await api('GET', '/api/v1/clients/tags'))).items.map((t) => t.tag)).toEqual(['VIP']);

    expect(await json(await api('POST', '/api/v1/clients/client-tg-1/tags', { tag: 'vip' }, integration.token))).toMatchObject({ tags: ['VIP'] });
    const call = await json<{ id: string }>(await postCall(ctx, integration, callBody({ uid: 'call-tagged', client: { id: 'client-call-1' } })));
    expect(await json(await api('POST', `/api/v1/communications/${call.id}/tags`, { tag: 'Предоплата' }, integration.token))).toMatchObject({ tags: ['Предоплата'] });
    expect((await api('POST', `/api/v1/communications/${call.id}/tags`, { tag: 'no such tag' })).status).toBe(422);
    expect((await api('POST', '/api/v1/communications/00000000-0000-4000-8000-000000000000/tags', { tag: 'Предоплата' })).status).toBe(404);

    expect(await search({ filter: { field: 'client_tags', op: 'contains', value: 'VIP' } })).toEqual(['chat-1']);
    expect(await search({ filter: { field: 'tags', op: 'contains', value: 'Предоплата' } })).toEqual(['call-tagged']);
  });

  it('renames and archives tags, and search follows', async () => {
    expect(await json(await api('PATCH', '/api/v1/clients/tags/VIP', { tag: 'Важный' }))).toMatchObject({ tag: 'Важный' });
    expect(await search({ filter: { field: 'client_tags', op: 'contains', value: 'Важный' } })).toEqual(['chat-1']);
    expect(await json(await api('PATCH', '/api/v1/sessions/tags/предоплата', { tag: 'Кредит' }))).toMatchObject({ tag: 'Кредит' });
    expect(await search({ filter: { field: 'tags', op: 'contains', value: 'Кредит' } })).toEqual(['call-tagged']);
    expect((await api('PATCH', '/api/v1/sessions/tags/Кредит', { tag: 'vip' })).status).toBe(409);

    expect(await json(await api('PATCH', '/api/v1/clients/tags/Важный', { archived: true }))).toMatchObject({ archived: true });
    expect((await api('POST', '/api/v1/clients/other/tags', { tag: 'Важный' })).status).toBe(422);
    expect(await search({ filter: { field: 'client_tags', op: 'exists' } })).toEqual([]);
    expect((await json<{ items: unknown[] }>(await api('GET', '/api/v1/clients/tags?archived=true'))).items).toHaveLength(1);
  });
});

describe('client card and merging', () => {
  it('shows attributes, tags, phones, linked clients and recent calls and chats together', async () => {
    await api('POST', '/api/v1/clients/tags', { tag: 'Частый' });
    await api('POST', '/api/v1/clients/client-tg-1/tags', { tag: 'Частый' });
    await postCall(ctx, integration, callBody({ uid: 'call-anna', client: { id: 'client-tg-1' }, client_phone_number: '+7 912 555-00-11' }));
    await postCall(ctx, integration, callBody({ uid: 'call-other', client: { id: 'client-same-phone' }, client_phone_number: '+7 (912) 555 00 11' }));
    const card = await json<Record<string, unknown> & { recent_communications: Array<{ uid: string; kind: string }> }>(await api('GET', '/api/v1/clients/client-tg-1', undefined, integration.token));
    expect(card).toMatchObject({
      id: 'client-tg-1',
      first_name: 'Анна',
      phones: ['+79125550011'],
      tags: ['Частый'],
      attributes: [
        { name: 'visits', type: 'number', value: 7 },
        { name: 'Профессия', type: 'string', value: 'инженер' },
      ],
      linked_clients: [{ id: 'client-same-phone', shared_phones: ['+79125550011'] }],
    });
    expect(card.recent_communications.map((c) => [c.uid, c.kind]).sort()).toEqual([
      ['call-anna', 'call'],
      ['chat-1', 'chat'],
    ]);
  });

  it('merges two clients keeping everything, and later posts under either id land on the result', async () => {
    await api('POST', `/api/v1/clients/client-same-phone/attributes/${(await json<{ items: Array<{ id: string; name: string }> }>(await api('GET', '/api/v1/clients/attributes'))).items.find((a) => a.name === 'visits')!.id}`, { value: 2 });
    const merged = await api('POST', '/api/v1/admin/clients/client-tg-1/merge', { client_id: 'client-same-phone' });
    expect(merged.status, await merged.clone().text()).toBe(200);
    expect(await json(merged)).toMatchObject({ id: 'client-tg-1', merged: 'client-same-phone', communications_moved: 1, attribute_conflicts: [{ attribute: 'visits', kept: 7, dropped: 2 }] });
    expect((await api('POST', '/api/v1/admin/clients/client-tg-1/merge', { client_id: 'client-tg-1' })).status).toBe(422);
    expect((await api('POST', '/api/v1/admin/clients/client-tg-1/merge', { client_id: 'client-tg-1' }, integration.token)).status).toBe(401);

    // The old external id is now an alias: a call and a chat naming it, and the card under it.
    await postCall(ctx, integration, callBody({ uid: 'call-after-merge', client: { id: 'client-same-phone' } }));
    await postChat(chat({ uid: 'chat-after-merge', client: { id: 'client-same-phone' }, messages: [] }));
    const card = await json<{ id: string; recent_communications: Array<{ uid: string }>; linked_clients: unknown[] }>(await api('GET', '/api/v1/clients/client-same-phone'));
    expect(card.id).toBe('client-tg-1');
    expect(card.recent_communications.map((c) => c.uid).sort()).toEqual(['call-after-merge', 'call-anna', 'call-other', 'chat-1', 'chat-after-merge']);
    expect(card.linked_clients).toEqual([]);
    expect(await search({ filter: { field: 'client_id', op: 'eq', value: 'client-tg-1' } })).toEqual(['call-after-merge', 'call-anna', 'call-other', 'chat-1', 'chat-after-merge']);
  });
});
