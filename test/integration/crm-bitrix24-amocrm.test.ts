// Bitrix24 telephony and amoCRM calls connectors against local stand-ins that follow the vendors'
// documented endpoints and error answers: the happy path (with a recording), missed calls, the client
// found by a phone written differently vs created, rate limits, broken tokens, and one CRM effect per call
// through retries.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DestinationPolicy } from '../../server/media/destination-policy.js';
import { bytesOf, speech } from '../support/audio.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { startAmoCrm, startBitrix24, type AmoCrmStandIn, type Bitrix24StandIn } from '../support/crm-vendors.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';

let ctx: TestContext;
let integration: Integration;
let bitrix: Bitrix24StandIn;
let amo: AmoCrmStandIn;
let seq = 0;

const RULES = { user_map: { 'operator@email.com': '17' }, duty_user: '99' };

beforeAll(async () => {
  bitrix = await startBitrix24('b24-access-token-0001');
  amo = await startAmoCrm('amo-access-token-0001');
  ctx = await createTestContext({ settings: { crm: { mediaWaitSeconds: 0, limits: { timeoutMs: 1000, maxResponseBytes: 65536, policy: new DestinationPolicy(['127.0.0.1']) }, backoff: { baseMs: 10, maxMs: 20, maxAttempts: Infinity } } } });
  ({ integration } = await seedWorld(ctx));
});
afterAll(async () => {
  await ctx.close();
  await bitrix.close();
  await amo.close();
});

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
async function connector(body: Record<string, unknown>) {
  const res = await ctx.admin('POST', '/api/v1/admin/crm_connectors', body);
  expect(res.status, await res.clone().text()).toBe(201);
  const created = await json<{ id: string }>(res);
  return created.id;
}
async function post(overrides: Record<string, unknown> = {}) {
  const res = await postCall(ctx, integration, callBody({ uid: `v-${++seq}`, client_phone_number: '+7 912 345-67-89', duration: 65, ...overrides }));
  expect(res.status).toBe(201);
  return (await json<{ id: string }>(res)).id;
}
async function drain() {
  for (let i = 0; i < 20; i++) {
    await ctx.services.crmDeliveries.run();
    const pending = await ctx.db.selectFrom('crm_deliveries').select('id').where('state', '=', 'pending').execute();
    if (pending.length === 0) return;
    await new Promise((r) => setTimeout(r, 40));
  }
}
const stateOf = async (id: string) => (await json<{ state: string; broken_reason: string | null }>(await ctx.admin('GET', `/api/v1/admin/crm_connectors/${id}`)));

describe('Bitrix24 telephony', () => {
  let id: string;
  beforeAll(async () => {
    id = await connector({ name: 'Bitrix24', kind: 'bitrix24', config: { portal_url: bitrix.url, crm_create: true }, secrets: { access_token: 'b24-access-token-0001' }, rules: RULES });
  });
  beforeEach(async () => {
    bitrix.calls.clear();
    bitrix.requests.length = 0;
    await ctx.admin('POST', `/api/v1/admin/crm_connectors/${id}/deactivate`);
  });

  it('registers, finishes and attaches the recording of a call, for the mapped user', async () => {
    await ctx.admin('POST', `/api/v1/admin/crm_connectors/${id}/activate`, { resend_days: 0 });
    const call = await post({ uid: 'b24-rec' });
    const upload = await ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls/b24-rec/recording`, { method: 'PUT', headers: { authorization: integration.token, 'content-type': 'audio/wav' }, body: bytesOf(speech('запись для битрикса')) });
    expect(upload.status).toBe(200);
    await drain();
    expect([...bitrix.calls.values()]).toHaveLength(1);
    const [stored] = [...bitrix.calls.values()];
    expect(stored!.params).toMatchObject({ USER_ID: '17', PHONE_NUMBER: '+79123456789', TYPE: 2, CRM_CREATE: 1, SHOW: 0 });
    expect(stored!.finish).toMatchObject({ DURATION: 65, STATUS_CODE: '200' });
    expect(stored!.records[0]).toMatch(/\/recording-links\/[0-9a-f-]{36}\?sig=[\w-]+$/); // the stable link, not the hour-long playback URL
    expect(bitrix.requests.map((r) => r.path)).toEqual(['/rest/telephony.externalcall.register.json', '/rest/telephony.externalcall.finish.json', '/rest/telephony.externalcall.attachRecord.json']);
    expect((await ctx.db.selectFrom('crm_deliveries').select('state').where('communication_id', '=', call).executeTakeFirstOrThrow()).state).toBe('delivered');
  });

  it('finishes a missed call with 304 for the duty user when the operator is not mapped', async () => {
    await ctx.admin('POST', `/api/v1/admin/crm_connectors/${id}/activate`, { resend_days: 0 });
    await ctx.admin('POST', '/api/v1/admin/operators', { external_id: 'unmapped-op' });
    await post({ operator_id: 'unmapped-op', duration: 0 });
    await drain();
    const [stored] = [...bitrix.calls.values()];
    expect(stored!.params.USER_ID).toBe('99');
    expect(stored!.finish).toMatchObject({ STATUS_CODE: '304', DURATION: 0 });
  });

  it('rides out QUERY_LIMIT_EXCEEDED and a 500 after register with exactly one call in the CRM', async () => {
    await ctx.admin('POST', `/api/v1/admin/crm_connectors/${id}/activate`, { resend_days: 0 });
    // Register is rate-limited; on the next try register passes but finish fails with a 500.
    bitrix.faults.push({ status: 503, body: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' } }, 'pass', { status: 500, body: { error: 'INTERNAL_SERVER_ERROR' } });
    await post();
    await ctx.services.crmDeliveries.run();
    await new Promise((r) => setTimeout(r, 1100)); // the limit answer asks for a second's pause
    await drain();
    expect(bitrix.calls.size).toBe(1);
    const externalIds = bitrix.requests.filter((r) => r.path.includes('register')).map((r) => (r.body as { EXTERNAL_CALL_ID: string }).EXTERNAL_CALL_ID);
    expect(new Set(externalIds).size).toBe(1);
  });

  it('marks the connector broken on an expired token and stops calling', async () => {
    await ctx.admin('POST', `/api/v1/admin/crm_connectors/${id}/activate`, { resend_days: 0 });
    await ctx.admin('PATCH', `/api/v1/admin/crm_connectors/${id}`, { secrets: { access_token: 'b24-expired-token-9999' } });
    await post();
    await drain();
    expect(await stateOf(id)).toMatchObject({ state: 'broken', broken_reason: expect.stringContaining('expired_token') });
    const calls = bitrix.requests.length;
    await post();
    await drain();
    expect(bitrix.requests.length).toBe(calls);
    await ctx.admin('PATCH', `/api/v1/admin/crm_connectors/${id}`, { secrets: { access_token: 'b24-access-token-0001' } });
    expect((await json<{ resent: number }>(await ctx.admin('POST', `/api/v1/admin/crm_connectors/${id}/activate`))).resent).toBe(2);
    await drain();
    expect(bitrix.calls.size).toBe(2);
    await ctx.admin('POST', `/api/v1/admin/crm_connectors/${id}/deactivate`);
  });
});

describe('amoCRM calls', () => {
  let id: string;
  beforeAll(async () => {
    await ctx.db.updateTable('crm_connectors').set({ state: 'inactive' }).execute();
    id = await connector({ name: 'amo', kind: 'amocrm', config: { base_url: amo.url }, secrets: { access_token: 'amo-access-token-0001' }, rules: { ...RULES, templates: { client_name: 'Клиент {{client_phone}}' } } });
  });

  it('files the call on the contact found by a phone written differently', async () => {
    amo.contacts.push({ id: 1, name: 'Иван', phones: ['8 (912) 345-67-89'] });
    await post({ duration: 30 });
    await drain();
    expect(amo.contacts).toHaveLength(1);
    const [call] = [...amo.calls.values()];
    expect(call).toMatchObject({ direction: 'inbound', duration: 30, source: 'earshot', phone: '+79123456789', call_status: 4, responsible_user_id: 17 });
  });

  it('creates the contact first when no entity has the phone, then files the call', async () => {
    const before = amo.calls.size;
    await post({ client_phone_number: '+7 903 111-22-33', duration: 0 });
    await drain();
    expect(amo.contacts.at(-1)).toMatchObject({ name: 'Клиент +79031112233', phones: ['+79031112233'] });
    expect(amo.calls.size).toBe(before + 1);
    expect([...amo.calls.values()].at(-1)).toMatchObject({ call_status: 6 });
  });

  it('honours Retry-After on 429 and files the call once', async () => {
    amo.faults.push({ status: 429, body: { title: 'Too Many Requests', status: 429 }, headers: { 'retry-after': '1' } });
    const callId = await post();
    await ctx.services.crmDeliveries.run();
    const waiting = await ctx.db.selectFrom('crm_deliveries').selectAll().where('communication_id', '=', callId).where('connector_id', '=', id).executeTakeFirstOrThrow();
    expect(waiting.state).toBe('pending');
    expect(waiting.next_attempt_at.getTime() - Date.now()).toBeGreaterThan(500);
    await new Promise((r) => setTimeout(r, 1100));
    const before = amo.calls.size;
    await drain();
    expect(amo.calls.size).toBe(before + 1);
  });

  it('marks the connector broken on 401', async () => {
    await ctx.admin('PATCH', `/api/v1/admin/crm_connectors/${id}`, { secrets: { access_token: 'amo-revoked-token-0002' } });
    await post();
    await drain();
    expect(await stateOf(id)).toMatchObject({ state: 'broken', broken_reason: 'HTTP 401' });
  });
});
