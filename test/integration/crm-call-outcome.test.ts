// Issue 16 item 8: a call gets one CRM outcome per connector. A missed call answered after all (an update
// of duration 0 → 45) either takes the missed delivery's place while nothing was sent for it, or, once it
// went out, is followed up as the connector's kind says: webhooks get call.finished naming the delivery it
// supersedes; Bitrix24, amoCRM and Zoho Desk complete the missed call's task (no second call, ticket or
// task); Usedesk leaves its ticket as it is. Against local stand-ins of the vendors' documented APIs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DestinationPolicy } from '../../server/media/destination-policy.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { startAmoCrm, startBitrix24, startUsedesk, startZohoDesk, type AmoCrmStandIn, type Bitrix24StandIn, type UsedeskStandIn, type ZohoDeskStandIn } from '../support/crm-vendors.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let ctx: TestContext;
let integration: Integration;
let receiver: WebhookReceiver;
let bitrix: Bitrix24StandIn;
let amo: AmoCrmStandIn;
let usedesk: UsedeskStandIn;
let zoho: ZohoDeskStandIn;
let seq = 0;

const RULES = { user_map: { 'operator@email.com': '17' }, duty_user: '99' };

beforeAll(async () => {
  [receiver, bitrix, amo, usedesk, zoho] = await Promise.all([startWebhookReceiver(), startBitrix24('b24-access-token-0001'), startAmoCrm('amo-access-token-0001'), startUsedesk('usedesk-token-0001'), startZohoDesk('zoho-token-000000001', 'org-42')]);
  // The calls' media_urls are never fetched here: no waiting for recordings.
  ctx = await createTestContext({ settings: { crm: { mediaWaitSeconds: 0, limits: { timeoutMs: 1000, maxResponseBytes: 65536, policy: new DestinationPolicy(['127.0.0.1']) }, backoff: { baseMs: 10, maxMs: 20, maxAttempts: Infinity } } } });
  ({ integration } = await seedWorld(ctx));
});
afterAll(async () => {
  await ctx.close();
  await Promise.all([receiver, bitrix, amo, usedesk, zoho].map((s) => s.close()));
});

/** Creates the only active connector. */
async function connector(body: Record<string, unknown>): Promise<string> {
  await ctx.db.updateTable('crm_connectors').set({ state: 'inactive' }).execute();
  const res = await ctx.admin('POST', '/api/v1/admin/crm_connectors', body);
  expect(res.status, await res.clone().text()).toBe(201);
  const created = (await res.json()) as { id: string; secrets?: { signing_secret: string } };
  if (created.secrets) receiver.secret = created.secrets.signing_secret;
  return created.id;
}
async function post(uid: string, duration: number): Promise<string> {
  const res = await postCall(ctx, integration, callBody({ uid, client_phone_number: '+7 912 345-67-89', duration }));
  expect([200, 201]).toContain(res.status);
  return ((await res.json()) as { id: string }).id;
}
async function drain() {
  for (let i = 0; i < 20; i++) {
    await ctx.services.crmDeliveries.run();
    if ((await ctx.db.selectFrom('crm_deliveries').select('id').where('state', '=', 'pending').execute()).length === 0) return;
    await new Promise((r) => setTimeout(r, 30));
  }
}
const deliveriesOf = (connectorId: string, communicationId: string) =>
  ctx.db.selectFrom('crm_deliveries').select(['id', 'event', 'delivery_key', 'state', 'follows']).where('connector_id', '=', connectorId).where('communication_id', '=', communicationId).orderBy('created_at').execute();

describe('a missed call answered after all', () => {
  it('webhook: call.finished follows the delivered call.missed, naming it in supersedes; a further update sends nothing', async () => {
    const id = await connector({ name: 'hook', kind: 'webhook', config: { url: receiver.url }, rules: RULES });
    receiver.received.length = 0;
    const uid = `outcome-${++seq}`;
    const call = await post(uid, 0);
    await drain();
    await post(uid, 45);
    await drain();
    await post(uid, 50); // still answered: the outcome stands
    await drain();
    const bodies = receiver.received.map((r) => JSON.parse(r.body) as { id: string; type: string; supersedes?: string; data: { task?: unknown } });
    expect(bodies.map((b) => b.type)).toEqual(['call.missed', 'call.finished']);
    expect(bodies[0]!.data.task).toBeDefined();
    expect(bodies[1]).toMatchObject({ supersedes: bodies[0]!.id });
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    const rows = await deliveriesOf(id, call);
    expect(rows).toMatchObject([
      { event: 'call.missed', state: 'delivered', follows: null },
      { event: 'call.finished', state: 'delivered', follows: rows[0]!.id },
    ]);
  });

  it('webhook: an update before anything was sent leaves one delivery, of the new event', async () => {
    const id = await connector({ name: 'hook 2', kind: 'webhook', config: { url: receiver.url }, rules: RULES });
    receiver.received.length = 0;
    const uid = `outcome-${++seq}`;
    const call = await post(uid, 0);
    await ctx.services.crmDeliveries.fanOut(); // the missed delivery exists, nothing sent yet
    await post(uid, 45);
    await drain();
    expect(receiver.received.map((r) => (JSON.parse(r.body) as { type: string; supersedes?: string }))).toEqual([expect.objectContaining({ type: 'call.finished' })]);
    expect(JSON.parse(receiver.received[0]!.body)).not.toHaveProperty('supersedes');
    expect(await deliveriesOf(id, call)).toMatchObject([{ event: 'call.finished', delivery_key: `${id}:${call}:call.finished`, state: 'delivered', follows: null }]);
  });

  it('webhook: the follow-up waits while the delivery it follows is still being retried', async () => {
    await connector({ name: 'hook 3', kind: 'webhook', config: { url: receiver.url }, rules: RULES });
    receiver.received.length = 0;
    receiver.script.push({ status: 500 });
    const uid = `outcome-${++seq}`;
    await post(uid, 0);
    await ctx.services.crmDeliveries.run(); // the missed delivery failed once and waits for its retry
    await post(uid, 45);
    await drain();
    const types = receiver.received.map((r) => (JSON.parse(r.body) as { type: string }).type);
    expect(types).toEqual(['call.missed', 'call.missed', 'call.finished']);
  });

  it('Bitrix24: completes the missed call’s task, registers no second call', async () => {
    const id = await connector({ name: 'b24', kind: 'bitrix24', config: { portal_url: bitrix.url }, secrets: { access_token: 'b24-access-token-0001' }, rules: RULES });
    bitrix.requests.length = 0;
    const uid = `outcome-${++seq}`;
    const call = await post(uid, 0);
    await drain();
    expect(bitrix.tasks).toHaveLength(1);
    expect(bitrix.tasks[0]).toMatchObject({ RESPONSIBLE_ID: '99' });
    bitrix.requests.length = 0;
    await post(uid, 45);
    await drain();
    expect(bitrix.requests.map((r) => r.path)).toEqual(['/rest/tasks.task.complete.json']);
    expect(bitrix.requests[0]!.body).toMatchObject({ taskId: bitrix.tasks[0]!.id });
    expect(bitrix.tasks[0]).toMatchObject({ STATUS: '5' });
    expect(bitrix.calls.size).toBe(1);
    expect(await deliveriesOf(id, call)).toMatchObject([{ event: 'call.missed', state: 'delivered' }, { event: 'call.finished', state: 'delivered' }]);
  });

  it('amoCRM: completes the missed call’s task, files no second call', async () => {
    const id = await connector({ name: 'amo', kind: 'amocrm', config: { base_url: amo.url }, secrets: { access_token: 'amo-access-token-0001' }, rules: RULES });
    const uid = `outcome-${++seq}`;
    const call = await post(uid, 0);
    await drain();
    expect(amo.calls.size).toBe(1);
    expect(amo.tasks).toHaveLength(1);
    amo.requests.length = 0;
    await post(uid, 45);
    await drain();
    expect(amo.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['PATCH /api/v4/tasks']);
    expect(amo.tasks[0]).toMatchObject({ is_completed: true, result: { text: expect.any(String) } });
    expect(amo.calls.size).toBe(1);
    expect(await deliveriesOf(id, call)).toHaveLength(2);
  });

  it('Zoho Desk: completes the missed call’s task, makes no second ticket', async () => {
    await connector({ name: 'zoho', kind: 'zoho_desk', config: { base_url: zoho.url, org_id: 'org-42', department_id: 'dep-1' }, secrets: { access_token: 'zoho-token-000000001' }, rules: RULES });
    const uid = `outcome-${++seq}`;
    await post(uid, 0);
    await drain();
    expect(zoho.tickets).toHaveLength(1);
    expect(zoho.tasks).toHaveLength(1);
    zoho.requests.length = 0;
    await post(uid, 45);
    await drain();
    expect(zoho.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`PATCH /api/v1/tasks/${String(zoho.tasks[0]!.id)}`]);
    expect(zoho.tasks[0]).toMatchObject({ status: 'Completed' });
    expect(zoho.tickets).toHaveLength(1);
  });

  it('Usedesk: the missed call’s ticket stands and nothing more is sent', async () => {
    const id = await connector({ name: 'usedesk', kind: 'usedesk', config: { base_url: usedesk.url }, secrets: { api_token: 'usedesk-token-0001' }, rules: RULES });
    const uid = `outcome-${++seq}`;
    const call = await post(uid, 0);
    await drain();
    expect(usedesk.tickets).toHaveLength(1);
    usedesk.requests.length = 0;
    await post(uid, 45);
    await drain();
    expect(usedesk.requests).toEqual([]);
    expect(await deliveriesOf(id, call)).toMatchObject([{ event: 'call.missed', state: 'delivered' }]);
  });
});
