// Call ingestion on real Postgres: the seed body, upserts, time zones, operators, custom fields, outbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, createIntegration, createOperator, postCall, SEED_BODY, seedWorld, type Integration } from '../support/fixtures.js';

let ctx: TestContext;
let integration: Integration;

beforeAll(async () => {
  ctx = await createTestContext();
  ({ integration } = await seedWorld(ctx));
});
afterAll(() => ctx.close());

const countRows = async (table: 'communications' | 'outbox' | 'clients') =>
  Number((await ctx.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('the seed request', () => {
  it('is created (201) then updated (200) by the same uid, byte for byte', async () => {
    const first = await postCall(ctx, integration, SEED_BODY, { 'content-type': 'application/json' });
    expect(first.status).toBe(201);
    const created = (await first.json()) as { id: string; uid: string; status: string; warnings: Array<{ path: string; code: string }> };
    expect(created).toMatchObject({ uid: '7b2331ca-adcb-4f15-811b-6b6cfddb2baf', status: 'created' });
    expect(created.warnings).toEqual([expect.objectContaining({ path: 'started_at', code: 'ambiguous_timezone' })]);

    const again = await postCall(ctx, integration, SEED_BODY);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: created.id, status: 'updated' });

    const read = await ctx.admin('GET', `/api/v1/communications/${created.id}`);
    expect(read.status).toBe(200);
    const call = (await read.json()) as Record<string, unknown>;
    expect(call).toMatchObject({
      id: created.id,
      kind: 'call',
      uid: '7b2331ca-adcb-4f15-811b-6b6cfddb2baf',
      started_at: '2020-06-21T09:51:13.588Z',
      direction: 'incoming',
      duration: 410.1,
      client_phone_number: '+375332222453',
      client_phone_e164: '+375332222453',
      client: { id: 'client@email.com', company_name: 'Test Company', first_name: 'John', last_name: 'Doe' },
      operator: { external_id: 'operator@email.com', first_name: 'Olga' },
      custom_fields: { opened_at: '2020-06-21T09:51:13.588Z', reopen_count: 5, topic: 'Поддержка', 'sub-topic': 'Возобновление доступа' },
      media: { source_url: 'https://file-examples.com/wp-content/uploads/2017/11/file_example_WAV_1MG.wav' },
    });
    const raw = await ctx.db.selectFrom('communications').select('raw').where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(raw.raw).toMatchObject({ started_at: '2020-06-21T09:51:13.588Z+03', custom_fields: { reopen_count: 5 } });
  });
});

describe('ingestion rules', () => {
  it('writes one outbox row per consumer in the same transaction, for the CRM while any connector exists (a deactivated one keeps its deliveries paused)', async () => {
    const topicsOf = async (uid: string) => {
      const { id } = (await (await postCall(ctx, integration, callBody({ uid }))).json()) as { id: string };
      const rows = await ctx.db.selectFrom('outbox').select(['topic', 'key', 'payload']).where('key', '=', id).orderBy('topic').execute();
      expect(rows.find((r) => r.topic === 'media')!.payload).toMatchObject({ url: 'https://pbx.example/rec/1.wav' });
      return rows.map((r) => r.topic);
    };
    expect(await topicsOf('outbox-no-crm')).toEqual(['media', 'search']);

    const created = await ctx.admin('POST', '/api/v1/admin/crm_connectors', { name: 'hook', kind: 'webhook', config: { url: 'http://127.0.0.1:9/hook' }, rules: { events: ['call.finished'] } });
    expect(created.status).toBe(201);
    const { id: connectorId } = (await created.json()) as { id: string };
    expect(await topicsOf('outbox-crm')).toEqual(['crm', 'media', 'search']);

    expect((await ctx.admin('POST', `/api/v1/admin/crm_connectors/${connectorId}/deactivate`)).status).toBe(200);
    expect(await topicsOf('outbox-crm-off')).toEqual(['crm', 'media', 'search']);
    await ctx.db.deleteFrom('crm_connectors').where('id', '=', connectorId).execute();
    expect(await topicsOf('outbox-no-connector')).toEqual(['media', 'search']);
  });

  it.each([
    ['2019-08-09T18:31:42+03', '2019-08-09T15:31:42.000Z'],
    ['2019-08-09T18:31:42+03:00', '2019-08-09T15:31:42.000Z'],
    ['2019-08-09T18:31:42+0300', '2019-08-09T15:31:42.000Z'],
    ['2019-08-09T18:31:42Z', '2019-08-09T18:31:42.000Z'],
    ['2019-08-09 18:31:42.5-02:30', '2019-08-09T21:01:42.500Z'],
  ])('reads started_at %s as %s', async (startedAt, utc) => {
    const res = await postCall(ctx, integration, callBody({ uid: `tz-${startedAt}`, started_at: startedAt }));
    expect(res.status).toBe(201);
    const { id, warnings } = (await res.json()) as { id: string; warnings: unknown[] };
    expect(warnings).toEqual([]);
    const read = (await (await ctx.admin('GET', `/api/v1/communications/${id}`)).json()) as { started_at: string };
    expect(read.started_at).toBe(utc);
  });

  it('needs a zone unless the integration has a default time zone', async () => {
    const res = await postCall(ctx, integration, callBody({ uid: 'no-zone', started_at: '2024-01-01T12:00:00' }));
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { code: 'timezone_required', details: [{ path: 'started_at' }] } });

    const moscow = await createIntegration(ctx, { name: 'Moscow PBX', default_timezone: 'Europe/Moscow' });
    const ok = await postCall(ctx, moscow, callBody({ uid: 'no-zone', started_at: '2024-01-01T12:00:00' }));
    expect(ok.status).toBe(201);
    const body = (await ok.json()) as { id: string; warnings: Array<{ code: string }> };
    expect(body.warnings.map((w) => w.code)).toEqual(['timezone_assumed']);
    const read = (await (await ctx.admin('GET', `/api/v1/communications/${body.id}`)).json()) as { started_at: string };
    expect(read.started_at).toBe('2024-01-01T09:00:00.000Z');
  });

  it.each([
    ['inbound', 'incoming'],
    ['outgoing', 'outcoming'],
    ['OUTBOUND', 'outcoming'],
    ['outcoming', 'outcoming'],
  ])('stores direction alias %s as %s', async (alias, stored) => {
    const res = await postCall(ctx, integration, callBody({ uid: `dir-${alias}`, direction: alias }));
    const { id } = (await res.json()) as { id: string };
    const read = (await (await ctx.admin('GET', `/api/v1/communications/${id}`)).json()) as { direction: string };
    expect(read.direction).toBe(stored);
  });

  it('rejects unknown and inactive operators and stores nothing', async () => {
    const before = await countRows('communications');
    const outboxBefore = await countRows('outbox');
    const unknown = await postCall(ctx, integration, callBody({ uid: 'op-unknown', operator_id: 'nobody', client: { id: 'ghost' } }));
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({ error: { code: 'operator_not_found', details: [{ path: 'operator_id' }] } });

    const op = await createOperator(ctx, { external_id: '101', active: true });
    const patch = await ctx.admin('PATCH', `/api/v1/admin/operators/${op.id}`, { active: false });
    expect(patch.status).toBe(200);
    const inactive = await postCall(ctx, integration, callBody({ uid: 'op-inactive', operator_id: '101' }));
    expect(inactive.status).toBe(422);
    expect(await inactive.json()).toMatchObject({ error: { code: 'operator_inactive' } });

    expect(await countRows('communications')).toBe(before);
    expect(await countRows('outbox')).toBe(outboxBefore);
    const ghost = await ctx.db.selectFrom('clients').select('id').where('external_id', '=', 'ghost').execute();
    expect(ghost).toEqual([]);
  });

  it('reuses a client by client.id and accumulates its phones', async () => {
    await postCall(ctx, integration, callBody({ uid: 'cl-1', client: { id: 'c-42', first_name: 'Ann' }, client_phone_number: '+7 (912) 345-67-89' }));
    await postCall(ctx, integration, callBody({ uid: 'cl-2', client: { id: 'c-42', last_name: 'Lee' }, client_phone_number: '+375332222453' }));
    const clients = await ctx.db.selectFrom('clients').select(['id', 'first_name', 'last_name', 'phones']).where('external_id', '=', 'c-42').execute();
    expect(clients).toHaveLength(1);
    expect(clients[0]).toMatchObject({ first_name: 'Ann', last_name: 'Lee', phones: ['+375332222453', '+79123456789'] });
    const calls = await ctx.db.selectFrom('communications').select(['client_id', 'client_phone_raw', 'client_phone_e164']).where('uid', 'in', ['cl-1', 'cl-2']).orderBy('uid').execute();
    expect(calls.map((c) => c.client_id)).toEqual([clients[0]!.id, clients[0]!.id]);
    expect(calls[0]).toMatchObject({ client_phone_raw: '+7 (912) 345-67-89', client_phone_e164: '+79123456789' });
  });

  it('keeps an unparseable phone raw without E.164', async () => {
    const res = await postCall(ctx, integration, callBody({ uid: 'ext-phone', client_phone_number: '101' }));
    const { id } = (await res.json()) as { id: string };
    const read = (await (await ctx.admin('GET', `/api/v1/communications/${id}`)).json()) as Record<string, unknown>;
    expect(read).toMatchObject({ client_phone_number: '101', client_phone_e164: null });
  });

  it('stores valid custom fields and warns for unknown or mistyped ones, keeping the raw body', async () => {
    const res = await postCall(
      ctx,
      integration,
      callBody({ uid: 'cf-1', custom_fields: { reopen_count: '7', topic: 'Billing', opened_at: 'yesterday', mood: 'calm', __proto__: 'x' } }),
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; warnings: Array<{ path: string; code: string }> };
    expect(body.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'custom_fields.opened_at', code: 'type_mismatch' }),
        expect.objectContaining({ path: 'custom_fields.mood', code: 'unknown_field' }),
      ]),
    );
    const row = await ctx.db.selectFrom('communications').select(['custom_fields', 'raw', 'warnings']).where('id', '=', body.id).executeTakeFirstOrThrow();
    expect(row.custom_fields).toEqual({ reopen_count: 7, topic: 'Billing' });
    expect(row.raw).toMatchObject({ custom_fields: { opened_at: 'yesterday', mood: 'calm' } });
    expect(row.warnings).toHaveLength(body.warnings.length);
  });

  it('merges an update: omitted values are kept, custom fields merge by key, tags replace', async () => {
    const first = await postCall(ctx, integration, callBody({ uid: 'merge', nps: 9, tags: ['vip'], transcript: 'hello', custom_fields: { topic: 'A', reopen_count: 1 } }));
    const { id } = (await first.json()) as { id: string };
    const second = await postCall(ctx, integration, callBody({ uid: 'merge', duration: 75, tags: ['callback'], custom_fields: { reopen_count: 2 } }));
    expect(second.status).toBe(200);
    const read = (await (await ctx.admin('GET', `/api/v1/communications/${id}`)).json()) as Record<string, unknown>;
    expect(read).toMatchObject({ nps: 9, duration: 75, tags: ['callback'], transcript: 'hello', custom_fields: { topic: 'A', reopen_count: 2 } });
  });

  it('stores transcript segments, tags and nps', async () => {
    const transcript = [
      { speaker: 'operator', start: 0, end: 2.5, text: 'Здравствуйте' },
      { speaker: 'client', start: 2.5, end: 4, text: 'Добрый день' },
    ];
    const res = await postCall(ctx, integration, callBody({ uid: 'tr-1', transcript, tags: ['vip', 'repeat'], nps: 10, phone_call_chain_uid: 'chain-1' }));
    const { id } = (await res.json()) as { id: string };
    const read = (await (await ctx.admin('GET', `/api/v1/communications/${id}`)).json()) as Record<string, unknown>;
    expect(read).toMatchObject({ transcript, tags: ['vip', 'repeat'], nps: 10, phone_call_chain_uid: 'chain-1' });
  });

  it('group-commits concurrent posts: every call stored once, each answered on its own', async () => {
    const before = await countRows('communications');
    const bodies = Array.from({ length: 60 }, (_, i) => callBody({ uid: `burst-${i % 50}`, client: { id: `burst-client-${i % 7}` } }));
    bodies.push(callBody({ uid: 'burst-bad', operator_id: 'nobody' }));
    const answers = await Promise.all(bodies.map((b) => postCall(ctx, integration, b)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(50);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.at(-1)).toBe(422);
    expect(await countRows('communications')).toBe(before + 50);
  });

  it('takes a transcript later by PUT .../{uid}/transcript and announces it to search', async () => {
    const { id } = (await (await postCall(ctx, integration, callBody({ uid: 'late-transcript' }))).json()) as { id: string };
    const put = (uid: string, body: unknown, token = integration.token) =>
      ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls/${encodeURIComponent(uid)}/transcript`, { method: 'PUT', headers: { authorization: token }, body: JSON.stringify(body) });
    const segments = [{ speaker: 'client', start: 0, end: 1.5, text: 'Алло' }];
    const res = await put('late-transcript', segments);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, status: 'updated' });
    const read = (await (await ctx.admin('GET', `/api/v1/communications/${id}`)).json()) as { transcript: unknown };
    expect(read.transcript).toEqual(segments);
    const search = await ctx.db.selectFrom('outbox').select('id').where('key', '=', id).where('topic', '=', 'search').execute();
    expect(search).toHaveLength(2);
    expect((await put('no-such-uid', 'text')).status).toBe(404);
    expect((await put('late-transcript', [{ speaker: 'robot' }])).status).toBe(422);
    expect((await put('late-transcript', 'text', 'wrong')).status).toBe(401);
  });
});
