// Console replay and activate send CRM work again, so a first POST only shows what would go out (with a
// CSRF-carrying confirm form); nothing is requeued or resent until the POST with confirm=1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DestinationPolicy } from '../../server/media/destination-policy.js';
import { csrfIn, signIn, type ConsoleClient } from '../support/console.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let ctx: TestContext;
let integration: Integration;
let browser: ConsoleClient;
let receiver: WebhookReceiver;
let connectorId: string;
let calls = 0;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  ctx = await createTestContext({ settings: { crm: { mediaWaitSeconds: 0, limits: { timeoutMs: 1000, maxResponseBytes: 65536, policy: new DestinationPolicy(['127.0.0.1']) } } } });
  ({ integration } = await seedWorld(ctx));
  browser = await signIn(ctx);
  const created = await ctx.admin('POST', '/api/v1/admin/crm_connectors', { name: 'Helpdesk', kind: 'webhook', config: { url: receiver.url } });
  const connector = (await created.json()) as { id: string; secrets: { signing_secret: string } };
  connectorId = connector.id;
  receiver.secret = connector.secrets.signing_secret;
});
afterAll(async () => {
  await ctx?.close();
  await receiver?.close();
});

async function deliveredCall(uid: string) {
  const call = (await (await postCall(ctx, integration, callBody({ uid, duration: 30 }))).json()) as { id: string };
  await ctx.services.crmDeliveries.run();
  const delivery = await ctx.db.selectFrom('crm_deliveries').select(['id', 'state']).where('communication_id', '=', call.id).executeTakeFirstOrThrow();
  expect(delivery.state).toBe('delivered');
  return { callId: call.id, deliveryId: delivery.id };
}

const stateOf = async (id: string) => (await ctx.db.selectFrom('crm_deliveries').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;

describe('console: replaying a delivery asks first', () => {
  it.each([
    ['the CRM page', (_callId: string, deliveryId: string) => `/console/crm/deliveries/${deliveryId}/replay`],
    ['the communication page', (callId: string, deliveryId: string) => `/console/communications/${callId}/deliveries/${deliveryId}/replay`],
  ])('from %s: the first POST shows the delivered delivery and changes nothing; confirm=1 replays it', async (_, path) => {
    const { callId, deliveryId } = await deliveredCall(`replay-${++calls}`);
    const sent = receiver.received.length;

    const asked = await browser.post(path(callId, deliveryId), {});
    expect(asked.status).toBe(200);
    const html = await asked.text();
    expect(html).toContain('Replay this delivery?');
    expect(html).toMatch(/data-testid="confirm-warning"[^>]*>It was delivered [^<]*: the CRM receives the call.finished event again/);
    expect(html).toMatch(/data-testid="resend-list"[^]*Helpdesk[^]*data-state="delivered"/);
    expect(html).toContain('name="confirm" value="1"');
    expect(csrfIn(html)).toBe(browser.csrf);
    expect(html).toContain(`action="${path(callId, deliveryId)}"`);
    expect(await stateOf(deliveryId)).toBe('delivered');

    // The confirm form without its CSRF token is refused and changes nothing.
    expect((await browser.post(path(callId, deliveryId), { confirm: '1' }, { csrf: null })).status).toBe(403);
    expect(await stateOf(deliveryId)).toBe('delivered');

    const done = await browser.post(path(callId, deliveryId), { confirm: '1' });
    expect(done.status).toBe(303);
    expect(await stateOf(deliveryId)).toBe('pending');
    await ctx.services.crmDeliveries.run();
    expect(receiver.received.length).toBe(sent + 1);
  });

  it('a delivery of another communication is 404 on the confirmation step too', async () => {
    const mine = await deliveredCall('replay-mine');
    const other = await deliveredCall('replay-other');
    const res = await browser.post(`/console/communications/${other.callId}/deliveries/${mine.deliveryId}/replay`, {});
    expect(res.status).toBe(404);
  });
});

describe('console: activating a connector that resends asks first', () => {
  it('lists the paused deliveries it would resend and activates only with confirm=1', async () => {
    expect((await browser.post(`/console/crm/connectors/${connectorId}/deactivate`, {})).status).toBe(303);
    const paused: string[] = [];
    for (const uid of ['paused-1', 'paused-2']) {
      const call = (await (await postCall(ctx, integration, callBody({ uid, duration: 15 }))).json()) as { id: string };
      paused.push(call.id);
    }
    await ctx.services.crmDeliveries.run();
    const waiting = await ctx.db.selectFrom('crm_deliveries').select(['id', 'state']).where('communication_id', 'in', paused).execute();
    expect(waiting.map((d) => d.state)).toEqual(['paused', 'paused']);

    const asked = await browser.post(`/console/crm/connectors/${connectorId}/activate`, { resend_days: '3' });
    expect(asked.status).toBe(200);
    const html = await asked.text();
    expect(html).toContain('Activate Helpdesk?');
    expect(html).toMatch(/data-testid="confirm-warning"[^>]*>2 paused or dead-lettered deliveries since [^<]+ will be sent to the CRM again/);
    for (const id of paused) expect(html).toContain(`/console/communications/${id}`);
    expect(html).toContain('name="resend_days" value="3"');
    expect(html).toContain('name="confirm" value="1"');
    expect(csrfIn(html)).toBe(browser.csrf);
    expect((await ctx.db.selectFrom('crm_connectors').select('state').where('id', '=', connectorId).executeTakeFirstOrThrow()).state).toBe('inactive');
    expect((await ctx.db.selectFrom('crm_deliveries').select('state').where('communication_id', 'in', paused).execute()).map((d) => d.state)).toEqual(['paused', 'paused']);

    const done = await browser.post(`/console/crm/connectors/${connectorId}/activate`, { resend_days: '3', confirm: '1' });
    expect(done.status).toBe(303);
    expect((await ctx.db.selectFrom('crm_connectors').select('state').where('id', '=', connectorId).executeTakeFirstOrThrow()).state).toBe('active');
    expect((await ctx.db.selectFrom('crm_deliveries').select('state').where('communication_id', 'in', paused).execute()).map((d) => d.state)).toEqual(['pending', 'pending']);
  });
});
