// CRM push through the signed webhook connector, against a local receiver that verifies signatures with a
// reference implementation of Standard Webhooks and applies each webhook-id once: the happy path, rules
// validation, secrets at rest, 500 then success, 429 with Retry-After, a timeout after the receiver applied
// the request, 401 → broken connector and paused deliveries → reactivation resends once, a process killed
// mid-delivery, missed-call tasks, dead letters and replay.
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DestinationPolicy } from '../../server/media/destination-policy.js';
import { claimDeliveries } from '../../server/db/repositories/crm.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';
import { startWebhookReceiver, verifyStandardWebhook, type WebhookReceiver } from '../support/webhook-receiver.js';

let ctx: TestContext;
let integration: Integration;
let receiver: WebhookReceiver;
let connectorId: string;
let uidSeq = 0;

const RULES = {
  events: ['call.finished', 'call.missed'],
  field_mapping: [
    { crm_field: 'subject', value: 'Звонок {{client_phone}} ({{operator_name}})' },
    { crm_field: 'cf_utm_source', value: '{{custom_fields.topic}}' },
  ],
  phone_format: 'national',
  user_map: { 'operator@email.com': 'crm-user-17' },
  duty_user: 'crm-duty-1',
};

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  ctx = await createTestContext({
    settings: { crm: { mediaWaitSeconds: 0, limits: { timeoutMs: 400, maxResponseBytes: 64 * 1024, policy: new DestinationPolicy(['127.0.0.1']) }, backoff: { baseMs: 10, maxMs: 40, maxAttempts: Infinity }, leaseSeconds: 1 } },
  });
  ({ integration } = await seedWorld(ctx));
});
afterAll(async () => {
  await ctx.close();
  await receiver.close();
});
beforeEach(() => {
  receiver.received.length = 0;
  receiver.applied.clear();
  receiver.script.length = 0;
});

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
const post = async (overrides: Record<string, unknown> = {}) => {
  const res = await postCall(ctx, integration, callBody({ uid: `crm-${++uidSeq}`, client_phone_number: '+79123456789', duration: 42, custom_fields: { topic: 'Поддержка' }, ...overrides }));
  expect(res.status).toBe(201);
  return (await json<{ id: string }>(res)).id;
};
const run = () => ctx.services.crmDeliveries.run();
const deliveriesOf = async (communicationId: string) =>
  ctx.db.selectFrom('crm_deliveries').selectAll().where('communication_id', '=', communicationId).where('connector_id', '=', connectorId).execute();
const waitMs = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Runs the deliveries until none is due, waiting out short backoffs. */
async function drain(rounds = 20) {
  for (let i = 0; i < rounds; i++) {
    await run();
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM crm_deliveries WHERE state = 'pending'`.execute(ctx.db);
    if (rows[0]!.n === 0) return;
    await waitMs(60);
  }
}

describe('a webhook connector', () => {
  it('is created with generated secrets shown once, kept encrypted and never shown again', async () => {
    const res = await ctx.admin('POST', '/api/v1/admin/crm_connectors', { name: 'Helpdesk hook', kind: 'webhook', config: { url: receiver.url }, rules: RULES });
    expect(res.status, await res.clone().text()).toBe(201);
    const created = await json<{ id: string; secrets: { signing_secret: string }; state: string }>(res);
    expect(created.secrets.signing_secret).toMatch(/^whsec_/);
    expect(created.state).toBe('active');
    connectorId = created.id;
    receiver.secret = created.secrets.signing_secret;

    const shown = JSON.stringify(await json(await ctx.admin('GET', `/api/v1/admin/crm_connectors/${connectorId}`)));
    expect(shown).not.toContain(receiver.secret.slice(6));
    expect(shown).toContain('"secrets_set":["signing_secret"]');
    const stored = await ctx.db.selectFrom('crm_connectors').select('secrets').where('id', '=', connectorId).executeTakeFirstOrThrow();
    expect(stored.secrets).toMatch(/^v1\./);
    expect(stored.secrets).not.toContain(receiver.secret.slice(6));
  });

  it('refuses bad rules and config with 422 and the paths', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ rules: { field_mapping: [{ crm_field: 'subject', value: 'a' }, { crm_field: 'subject', value: 'b' }] } }, 'rules.field_mapping[1].crm_field'],
      [{ rules: { field_mapping: [{ crm_field: 'subject', value: 'Hi {{client_nickname}}' }] } }, 'rules.field_mapping[0].value'],
      [{ rules: { field_mapping: [{ crm_field: 'cf_a', value: '{{custom_fields.unknown}}' }] } }, 'rules.field_mapping[0].value'],
      [{ rules: { field_mapping: [{ crm_field: 'cf_a', value: '{{custom_fields.constructor}}' }] } }, 'rules.field_mapping[0].value'],
      [{ rules: { templates: { subject: 'Call {{client_phone' } } }, 'rules.templates.subject'],
      [{ rules: { field_mapping: [{ crm_field: 'Subject', value: 'a' }, { crm_field: ' subject ', value: 'b' }] } }, 'rules.field_mapping[1].crm_field'],
      [{ rules: JSON.parse('{"user_map": {"__proto__": "5"}}') as Record<string, unknown> }, 'rules.user_map.__proto__'],
      [{ rules: { events: ['call.exploded'] } }, 'rules.events[0]'],
      [{ rules: { phone_format: 'roman' } }, 'rules.phone_format'],
      [{ config: { url: 'ftp://x' } }, 'config.url'],
      [{ secrets: { signing_secret: 'hunter2' } }, 'secrets.signing_secret'],
    ];
    for (const [change, path] of cases) {
      const res = await ctx.admin('POST', '/api/v1/admin/crm_connectors', { name: 'bad', kind: 'webhook', config: { url: receiver.url }, ...change });
      const answer = await json<{ error: { code: string; details: Array<{ path: string }> } }>(res);
      expect(res.status, JSON.stringify(answer)).toBe(422);
      expect(answer.error.details.map((d) => d.path)).toContain(path);
    }
    expect((await ctx.admin('POST', '/api/v1/admin/crm_connectors', { name: 'x', kind: 'salesforce', config: {} })).status).toBe(422);
  });

  it('delivers a signed call with the mapping applied, and the communication lists the delivery', async () => {
    const id = await post();
    await drain();
    expect(receiver.received).toHaveLength(1);
    const [hook] = receiver.received;
    expect(hook!.verified).toBe(true);
    expect(verifyStandardWebhook('whsec_' + Buffer.alloc(32, 1).toString('base64'), hook!.headers, hook!.body)).toBe(false);
    const payload = JSON.parse(hook!.body) as { id: string; type: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({ type: 'call.finished', id: hook!.id });
    expect(payload.data).toMatchObject({
      id,
      client_phone_formatted: '8 (912) 345-67-89',
      crm_user: 'crm-user-17',
      fields: { subject: 'Звонок +79123456789 (Olga)', cf_utm_source: 'Поддержка' },
    });
    const view = await json<{ deliveries: Array<{ state: string; event: string }> }>(await ctx.admin('GET', `/api/v1/communications/${id}`));
    expect(view.deliveries).toMatchObject([{ state: 'delivered', event: 'call.finished' }]);
  });

  it('after a 500 retries to exactly one CRM effect, logging both attempts', async () => {
    receiver.script.push({ status: 500 });
    const id = await post();
    await drain();
    expect(receiver.received.map((r) => r.id)).toEqual([receiver.received[0]!.id, receiver.received[0]!.id]); // one key, two tries
    expect(receiver.applied.size).toBe(1);
    const [delivery] = await deliveriesOf(id);
    const log = await json<{ state: string; attempts: Array<{ outcome: string; response_status: number; response_excerpt: string }> }>(await ctx.admin('GET', `/api/v1/admin/crm_deliveries/${delivery!.id}`));
    expect(log.state).toBe('delivered');
    expect(log.attempts.map((a) => [a.outcome, a.response_status])).toEqual([
      ['retryable', 500],
      ['ok', 200],
    ]);
    expect(log.attempts[0]!.response_excerpt).toContain('[redacted]'); // the receiver's token is masked in the log
    expect(log.attempts[0]!.response_excerpt).not.toContain('receiver-secret-token');
  });

  it('honours Retry-After on 429', async () => {
    receiver.script.push({ status: 429, retryAfter: '3' });
    const id = await post();
    await run();
    const [delivery] = await deliveriesOf(id);
    expect(delivery!.state).toBe('pending');
    expect(delivery!.next_attempt_at.getTime() - Date.now()).toBeGreaterThan(2000);
    expect(delivery!.last_error).toBe('HTTP 429');
    await run();
    expect(receiver.received).toHaveLength(1); // not before its time
  });

  it('applies a request once when the answer timed out after the CRM had applied it', async () => {
    await ctx.db.updateTable('crm_deliveries').set({ state: 'delivered' }).where('state', '=', 'pending').execute(); // the 429 one above
    receiver.script.push({ status: 200, delayMs: 700 });
    await post();
    await drain();
    expect(receiver.received).toHaveLength(2);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
    expect(receiver.applied.size).toBe(1);
  });

  it('resumes a delivery whose process died mid-attempt, without doubling it', async () => {
    const id = await post();
    await ctx.services.crmDeliveries.fanOut();
    const claimed = await claimDeliveries(ctx.db, connectorId, 10, 1); // a runner claims it… and dies
    expect(claimed.map((d) => d.communication_id)).toEqual([id]);
    await run();
    expect(receiver.received).toHaveLength(0); // leased: nobody else takes it meanwhile
    await waitMs(1100);
    await drain();
    expect(receiver.applied.size).toBe(1);
    expect((await deliveriesOf(id))[0]!.state).toBe('delivered');
  });

  it('creates a missed-call task for the duty user with a 4-hour deadline', async () => {
    await post({ duration: 0, direction: 'incoming', started_at: '2024-03-01T10:00:00+03:00' });
    await drain();
    const payload = JSON.parse(receiver.received[0]!.body) as { type: string; data: { task: unknown } };
    expect(payload.type).toBe('call.missed');
    expect(payload.data.task).toEqual({ assignee: 'crm-duty-1', deadline: '2024-03-01T11:00:00.000Z' });
  });

  it('dead-letters a permanent refusal and replays it on request', async () => {
    receiver.script.push({ status: 400 });
    const id = await post();
    await drain();
    const [delivery] = await deliveriesOf(id);
    expect(delivery).toMatchObject({ state: 'dead', last_error: 'HTTP 400' });
    expect((await json<{ items: Array<{ id: string }> }>(await ctx.admin('GET', `/api/v1/admin/crm_deliveries?state=dead&connector=${connectorId}`))).items.map((d) => d.id)).toContain(delivery!.id);
    expect((await ctx.admin('GET', '/api/v1/admin/crm_deliveries?state=lost')).status).toBe(422);
    expect((await ctx.admin('POST', `/api/v1/admin/crm_deliveries/${delivery!.id}/replay`)).status).toBe(200);
    await drain();
    expect((await deliveriesOf(id))[0]!.state).toBe('delivered');
    expect(receiver.applied.size).toBe(1);
  });

  it('on 401 marks the connector broken and pauses; reactivation resends the last 3 days once', async () => {
    receiver.script.push({ status: 401 });
    const first = await post();
    await drain();
    const broken = await json<{ state: string; broken_reason: string }>(await ctx.admin('GET', `/api/v1/admin/crm_connectors/${connectorId}`));
    expect(broken).toMatchObject({ state: 'broken', broken_reason: 'HTTP 401' });
    const during = [await post(), await post()];
    await drain();
    expect(receiver.received).toHaveLength(1); // no hammering while broken
    for (const id of [first, ...during]) expect((await deliveriesOf(id))[0]!.state).toBe('paused');

    // A paused delivery from five days ago is outside the resend window.
    const old = await post();
    await run();
    await sql`UPDATE crm_deliveries SET created_at = now() - interval '5 days' WHERE communication_id = ${old}`.execute(ctx.db);

    const activated = await json<{ state: string; resent: number }>(await ctx.admin('POST', `/api/v1/admin/crm_connectors/${connectorId}/activate`));
    expect(activated).toMatchObject({ state: 'active', resent: 3 });
    await drain();
    expect(receiver.applied.size).toBe(3);
    expect((await deliveriesOf(old))[0]).toMatchObject({ state: 'dead' });
    expect((await json<{ resent: number }>(await ctx.admin('POST', `/api/v1/admin/crm_connectors/${connectorId}/activate`, { resend_days: 3 }))).resent).toBe(0);
    await drain();
    expect(receiver.applied.size).toBe(3); // once
  });

  it('delivers a chat once it is closed, not at its first messages', async () => {
    await ctx.admin('PATCH', `/api/v1/admin/crm_connectors/${connectorId}`, { rules: { ...RULES, events: ['call.finished', 'call.missed', 'chat.closed'] } });
    const chat = (closed?: string) =>
      ctx.app.request(`/api/v1/integrations/${integration.id}/chats`, {
        method: 'POST',
        headers: { authorization: integration.token },
        body: JSON.stringify({ uid: 'crm-chat', operator_id: 'operator@email.com', started_at: '2024-05-14T10:00:00Z', channel: 'web', messages: [{ id: 'm1', author: 'client', text: 'Hi', sent_at: '2024-05-14T10:00:01Z' }], ...(closed ? { closed_at: closed } : {}) }),
      });
    expect((await chat()).status).toBe(201);
    await drain();
    expect(receiver.received).toHaveLength(0);
    expect((await chat('2024-05-14T10:05:00Z')).status).toBe(200);
    expect((await chat('2024-05-14T10:05:00Z')).status).toBe(200); // posted again: still one delivery
    await drain();
    expect(receiver.applied.size).toBe(1);
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ type: 'chat.closed', data: { kind: 'chat', channel: 'web' } });
    expect((await chat('yesterday')).status).toBe(422);
  });

  it('sends nothing while deactivated: calls arriving meanwhile wait paused, and activation sends them once', async () => {
    expect((await json<{ state: string }>(await ctx.admin('POST', `/api/v1/admin/crm_connectors/${connectorId}/deactivate`))).state).toBe('inactive');
    const id = await post();
    await drain();
    expect((await deliveriesOf(id)).map((d) => d.state)).toEqual(['paused']);
    expect(receiver.received).toHaveLength(0);
    const activated = await json<{ resent: number }>(await ctx.admin('POST', `/api/v1/admin/crm_connectors/${connectorId}/activate`, { resend_days: 1 }));
    expect(activated.resent).toBe(1);
    await drain();
    expect(receiver.applied.size).toBe(1);
    expect((await deliveriesOf(id)).map((d) => d.state)).toEqual(['delivered']);
  });

  it('a deactivated connector whose resend window misses a call leaves it unsent, dead with the reason', async () => {
    await ctx.admin('POST', `/api/v1/admin/crm_connectors/${connectorId}/deactivate`);
    const id = await post();
    await drain();
    await ctx.db.updateTable('crm_deliveries').set({ created_at: new Date(Date.now() - 10 * 86_400_000) } as never).where('communication_id', '=', id).execute();
    expect((await json<{ resent: number }>(await ctx.admin('POST', `/api/v1/admin/crm_connectors/${connectorId}/activate`, { resend_days: 3 }))).resent).toBe(0);
    await drain();
    expect(receiver.received).toHaveLength(0);
    expect((await deliveriesOf(id))[0]).toMatchObject({ state: 'dead', last_error: expect.stringContaining('older than the resend window') });
  });
});
