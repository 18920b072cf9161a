// Erasure on real Postgres: by client id (within one integration) and by phone (all integrations), every
// listed kind of personal data is destroyed — names, phones, attributes, recordings (files in the media
// store), transcripts, message texts, custom field values, raw payloads, what CRM attempts sent — the
// communications stay as anonymous rows, pending CRM deliveries are cancelled, the search index forgets
// them at once, and the deletion act can be read back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaStore } from '../../server/media/port.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, createIntegration, postCall, seedWorld, type Integration } from '../support/fixtures.js';
import { callWithRecording, chatWithMessages, daysAgo, recordingHash, searchUids } from '../support/personal-data.js';
import { testRecordingSettings } from '../support/recordings.js';

let ctx: TestContext;
let store: MediaStore;
let a: Integration;
let b: Integration;

beforeAll(async () => {
  const recordings = testRecordingSettings();
  store = recordings.store;
  ctx = await createTestContext({ settings: { recordings } });
  ({ integration: a } = await seedWorld(ctx));
  b = await createIntegration(ctx, { name: 'Other PBX' });
  const connector = await ctx.admin('POST', '/api/v1/admin/crm_connectors', { name: 'Helpdesk', kind: 'webhook', config: { url: 'https://crm.example/hook' }, rules: { events: ['call.finished'] } });
  expect(connector.status, await connector.clone().text()).toBe(201);
});
afterAll(() => ctx.close());

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
const communication = (id: string) =>
  ctx.db
    .selectFrom('communications')
    .select(['client_id', 'client_phone_raw', 'client_phone_e164', 'custom_fields', 'raw', 'transcript', 'media_id', 'media_url', 'started_at', 'duration_s', 'direction', 'operator_id', 'warnings'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
const deliveriesOf = (ids: string[]) => ctx.db.selectFrom('crm_deliveries').select(['id', 'communication_id', 'state', 'last_error']).where('communication_id', 'in', ids).execute();

async function addAttempt(deliveryId: string): Promise<void> {
  await ctx.db
    .insertInto('crm_delivery_attempts')
    .values({ delivery_id: deliveryId, attempt: 1, started_at: new Date(), duration_ms: 5, outcome: 'retry', request: JSON.stringify({ body: { phone: '+79123456789', name: 'Иван Петров' } }), response_status: 503, response_excerpt: 'Иван Петров', error: 'busy' })
    .execute();
}

function expectAnonymous(row: Awaited<ReturnType<typeof communication>>) {
  expect(row).toMatchObject({ client_id: null, client_phone_raw: null, client_phone_e164: null, custom_fields: {}, raw: {}, transcript: null, media_id: null, media_url: null, warnings: [] });
  expect(row.started_at).toBeInstanceOf(Date);
  expect(row.direction).toBe('incoming');
  expect(row.duration_s).toBe(60);
  expect(row.operator_id).not.toBeNull();
}

describe('POST /api/v1/admin/clients/{client_id}/erase', () => {
  it("destroys the client's data in one integration, keeps anonymous rows, cancels deliveries, and leaves the act", async () => {
    const person = { id: 'c-42', first_name: 'Иван', last_name: 'Петров', company_name: 'ООО Ромашка' };
    const ids = [
      await callWithRecording(ctx, a, 'ivan-1', daysAgo(3), 'апельсин', { client: person, client_phone_number: '+79123456789', custom_fields: { topic: 'Доставка' } }),
      await callWithRecording(ctx, a, 'ivan-2', daysAgo(2), 'мандарин', { client: person, client_phone_number: '+79123456789' }),
      await chatWithMessages(ctx, a, 'ivan-chat', daysAgo(1), 'лимон', { client: person }),
    ];
    const maria = await callWithRecording(ctx, b, 'maria-1', daysAgo(1), 'слива', { client: { id: 'c-42', first_name: 'Мария' }, client_phone_number: '+79995554433' });
    const other = await callWithRecording(ctx, a, 'other-1', daysAgo(1), 'персик', { client: { id: 'c-7', first_name: 'Олег' }, client_phone_number: '+79990000000' });
    const attribute = await json<{ id: string }>(await ctx.admin('POST', `/api/v1/clients/attributes`, { name: 'vip' }));
    expect((await ctx.admin('POST', `/api/v1/clients/c-42/attributes/${attribute.id}?integration_id=${a.id}`, { value: 'да' })).status).toBeLessThan(300);
    await ctx.services.crmDeliveries.fanOut();
    const pending = await deliveriesOf([...ids, other]);
    expect(pending.filter((d) => d.state === 'pending').map((d) => d.communication_id).sort()).toEqual([ids[0], ids[1], other].sort());
    await addAttempt(pending.find((d) => d.communication_id === ids[0])!.id);
    const hashes = await Promise.all([ids[0]!, ids[1]!, maria, other].map((id) => recordingHash(ctx, id)));
    await ctx.services.searchSync.drain();
    expect(await searchUids(ctx, { q: 'Петров' })).toEqual(['ivan-1', 'ivan-2', 'ivan-chat']);

    // The admin token names the integration when several have the client id; an unknown id is 404.
    const ambiguous = await ctx.admin('POST', '/api/v1/admin/clients/c-42/erase');
    expect(ambiguous.status).toBe(422);
    expect((await json<{ error: { code: string } }>(ambiguous)).error.code).toBe('integration_required');
    const unknown = await ctx.admin('POST', `/api/v1/admin/clients/nobody/erase?integration_id=${a.id}`);
    expect(unknown.status).toBe(404);
    expect((await json<{ error: { code: string } }>(unknown)).error.code).toBe('client_not_found');
    expect((await ctx.app.request(`/api/v1/admin/clients/c-42/erase?integration_id=${a.id}`, { method: 'POST', headers: { authorization: a.token } })).status).toBe(401);

    const res = await ctx.admin('POST', `/api/v1/admin/clients/c-42/erase?integration_id=${a.id}`);
    expect(res.status, await res.clone().text()).toBe(200);
    const result = await json<{ act_id: string; erased_at: string; counts: Record<string, number> }>(res);
    expect(result.counts).toEqual({
      clients: 1,
      communications: 3,
      names: 1,
      phones: 3,
      attributes: 1,
      recordings: 2,
      transcripts: 2,
      messages: 1,
      custom_field_values: 1,
      raw_payloads: 3,
      crm_deliveries_cancelled: 2,
    });

    // Out of the search index at once (no outbox drain): by name, phone, transcript and message words.
    for (const q of ['Петров', 'Иван', 'Ромашка', 'апельсин', 'мандарин', 'лимон', '79123456789']) expect(await searchUids(ctx, { q }, false), q).toEqual([]);
    expect(await searchUids(ctx, { filter: { field: 'client_phone', op: 'eq', value: '+79123456789' } }, false)).toEqual([]);
    expect(await searchUids(ctx, { filter: { field: 'client_id', op: 'eq', value: 'c-42' } })).toEqual(['maria-1']);
    // Still there as anonymous rows, found by what stays (integration, operator, time).
    expect(await searchUids(ctx, { filter: { field: 'integration_id', op: 'eq', value: a.id } })).toEqual(['ivan-1', 'ivan-2', 'ivan-chat', 'other-1']);

    for (const id of ids.slice(0, 2)) expectAnonymous(await communication(id));
    expect((await communication(ids[2]!)).raw).toEqual({});
    expect((await ctx.db.selectFrom('messages').select('text').where('communication_id', '=', ids[2]!).execute()).map((m) => m.text)).toEqual(['']);
    expect(await ctx.db.selectFrom('clients').select('id').where('external_id', '=', 'c-42').where('integration_id', '=', a.id).execute()).toEqual([]);
    expect(await ctx.db.selectFrom('client_attribute_values').select('client_id').execute()).toEqual([]);
    expect(await store.size(hashes[0]!)).toBeUndefined();
    expect(await store.size(hashes[1]!)).toBeUndefined();
    expect(await store.size(hashes[2]!)).toBeGreaterThan(0);
    expect(await store.size(hashes[3]!)).toBeGreaterThan(0);

    // Pending deliveries of the erased communications are cancelled; what earlier attempts sent is blanked.
    const after = await deliveriesOf([...ids, other]);
    for (const d of after.filter((d) => ids.includes(d.communication_id))) expect(d).toMatchObject({ state: 'dead', last_error: 'cancelled: the client was erased' });
    expect(after.find((d) => d.communication_id === other)?.state).toBe('pending');
    const attempts = await ctx.db.selectFrom('crm_delivery_attempts').select(['request', 'response_excerpt']).execute();
    expect(attempts).toEqual([{ request: {}, response_excerpt: null }]);

    // The others keep everything.
    expect((await communication(maria)).client_phone_e164).toBe('+79995554433');
    expect((await communication(other)).transcript).toBe('клиент сказал персик');

    const act = await ctx.admin('GET', `/api/v1/admin/erasure_acts/${result.act_id}`);
    expect(act.status).toBe(200);
    const body = await json<Record<string, unknown>>(act);
    expect(body).toMatchObject({ act_id: result.act_id, erased_at: result.erased_at, counts: result.counts, subject: { type: 'client', integration_id: a.id }, requested_by: { type: 'admin_token' } });
    expect((body.communication_ids as string[]).sort()).toEqual([...ids].sort());
    expect(new Date(body.keep_until as string).getUTCFullYear()).toBe(new Date(result.erased_at).getUTCFullYear() + 3);
    expect(JSON.stringify(body)).not.toMatch(/c-42|Иван|79123456789/);
    const audited = await json<{ items: Array<Record<string, unknown>> }>(await ctx.admin('GET', `/api/v1/admin/audit_log?action=client.erased&target_id=${result.act_id}`));
    expect(audited.items).toEqual([expect.objectContaining({ actor: expect.objectContaining({ type: 'admin_token' }), target: { type: 'erasure_act', id: result.act_id }, details: { counts: result.counts } })]);
    expect(JSON.stringify(audited)).not.toMatch(/c-42|Иван|79123456789/);
    expect((await ctx.admin('GET', '/api/v1/admin/erasure_acts/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await ctx.admin('GET', '/api/v1/admin/erasure_acts/not-an-id')).status).toBe(404);

    // Erasing again finds nothing left of the client.
    expect((await ctx.admin('POST', `/api/v1/admin/clients/c-42/erase?integration_id=${a.id}`)).status).toBe(404);
  });
});

describe('POST /api/v1/admin/erasure', () => {
  it('erases every client and communication with the phone, in all integrations', async () => {
    const withClient = await callWithRecording(ctx, a, 'phone-1', daysAgo(3), 'клубника', { client: { id: 'p-1', first_name: 'Пётр' }, client_phone_number: '+79125550011', custom_fields: { topic: 'Возврат' } });
    const laterOfClient = await callWithRecording(ctx, a, 'phone-2', daysAgo(2), 'черника', { client: { id: 'p-1' } });
    const otherIntegration = await callWithRecording(ctx, b, 'phone-3', daysAgo(1), 'малина', { client_phone_number: '+7 (912) 555-00-11' });
    const res = await postCall(ctx, b, callBody({ uid: 'phone-4', started_at: daysAgo(1), client_phone_number: '+79125559999' }));
    expect(res.status).toBe(201);

    for (const [body, path] of [[{}, 'phone'], [{ phone: '' }, 'phone'], [{ phone: 5 }, 'phone'], [{ phone: '+7', extra: 1 }, '']] as const) {
      const bad = await ctx.admin('POST', '/api/v1/admin/erasure', body);
      expect(bad.status, JSON.stringify(body)).toBe(422);
      expect((await json<{ error: { details: Array<{ path: string }> } }>(bad)).error.details.map((d) => d.path)).toContain(path);
    }

    const erased = await ctx.admin('POST', '/api/v1/admin/erasure', { phone: '+7 912 555 00 11' });
    expect(erased.status, await erased.clone().text()).toBe(200);
    const result = await json<{ act_id: string; counts: Record<string, number> }>(erased);
    expect(result.counts).toMatchObject({ clients: 1, communications: 3, recordings: 3, transcripts: 3, custom_field_values: 1, raw_payloads: 3 });
    for (const id of [withClient, laterOfClient, otherIntegration]) expectAnonymous(await communication(id));
    for (const q of ['79125550011', 'Пётр', 'клубника', 'черника', 'малина']) expect(await searchUids(ctx, { q }, false), q).toEqual([]);
    expect(await searchUids(ctx, { filter: { field: 'client_phone', op: 'eq', value: '+79125550011' } }, false)).toEqual([]);
    expect(await searchUids(ctx, { filter: { field: 'client_phone', op: 'eq', value: '+79125559999' } })).toEqual(['phone-4']);
    const act = await json<{ subject: { type: string; integration_id: string | null } }>(await ctx.admin('GET', `/api/v1/admin/erasure_acts/${result.act_id}`));
    expect(act.subject).toMatchObject({ type: 'phone', integration_id: null });

    // A phone nobody has: an act that records nothing was held.
    const none = await json<{ counts: Record<string, number> }>(await ctx.admin('POST', '/api/v1/admin/erasure', { phone: '+79000000001' }));
    expect(none.counts).toMatchObject({ clients: 0, communications: 0 });
  });
});
