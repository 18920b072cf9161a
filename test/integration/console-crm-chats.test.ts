// Console pages for what came with chats and CRM push, through the console's own forms (app.request):
// a chat's messages, the client card and session tags on the communication page; the CRM page's
// connector form (errors next to the JSON field, secrets shown once) and replaying a dead delivery.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DestinationPolicy } from '../../server/media/destination-policy.js';
import { signIn, type ConsoleClient } from '../support/console.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let ctx: TestContext;
let integration: Integration;
let consoleClient: ConsoleClient;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  ctx = await createTestContext({ settings: { crm: { mediaWaitSeconds: 0, limits: { timeoutMs: 1000, maxResponseBytes: 65536, policy: new DestinationPolicy(['127.0.0.1']) } } } });
  ({ integration } = await seedWorld(ctx));
  consoleClient = await signIn(ctx);
});
afterAll(async () => {
  await ctx.close();
  await receiver.close();
});

describe('console: chats, client cards and session tags', () => {
  it('shows a chat’s messages and the client card, and adds and removes session tags', async () => {
    await ctx.admin('POST', '/api/v1/clients/tags', { tag: 'VIP' });
    // The admin creates a client only in a named integration (docs/clients.md).
    expect((await ctx.admin('POST', `/api/v1/clients/anna/tags?integration_id=${integration.id}`, { tag: 'VIP' })).status).toBe(200);
    await ctx.admin('POST', '/api/v1/sessions/tags', { tag: 'Предоплата' });
    const res = await ctx.app.request(`/api/v1/integrations/${integration.id}/chats`, {
      method: 'POST',
      headers: { authorization: integration.token },
      body: JSON.stringify({ uid: 'chat-c', operator_id: 'operator@email.com', started_at: '2024-05-14T10:00:00Z', channel: 'telegram', client: { id: 'anna', first_name: 'Анна' }, messages: [{ id: 'm1', author: 'client', text: 'Где мой заказ?', sent_at: '2024-05-14T10:00:01Z' }] }),
    });
    const { id } = (await res.json()) as { id: string };
    const page = await (await consoleClient.get(`/console/communications/${id}`)).text();
    expect(page).toContain('Где мой заказ?');
    expect(page).toContain('Messages (telegram)');
    expect(page).toMatch(/data-testid="client-card"[^]*Анна[^]*VIP/);

    const added = await consoleClient.post(`/console/communications/${id}/tags`, { tag: 'Предоплата' });
    expect(added.status).toBe(303);
    expect(await (await consoleClient.get(`/console/communications/${id}`)).text()).toMatch(/data-testid="session-tags"[^]*Предоплата/);
    const unknown = await consoleClient.post(`/console/communications/${id}/tags`, { tag: 'nope' });
    expect(unknown.headers.get('location')).toContain('tag_error=');
    expect((await consoleClient.post(`/console/communications/${id}/tags`, { tag: 'Предоплата' }, { csrf: null })).status).toBe(403);
    await consoleClient.post(`/console/communications/${id}/tags/remove`, { tag: 'Предоплата' });
    expect((await ctx.admin('GET', `/api/v1/communications/${id}`).then((r) => r.json())) as { tags: string[] }).toMatchObject({ tags: [] });
  });
});

describe('console: CRM', () => {
  it('shows connector errors next to the JSON field they concern and the generated secret once', async () => {
    const bad = await consoleClient.post('/console/crm', { name: 'hook', kind: 'webhook', config: `{"url": "${receiver.url}"}`, rules: '{"field_mapping": [{"crm_field": "a", "value": "{{nope}}"}]}', secrets: '' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toMatch(/id="f-rules-error"[^>]*>field_mapping\[0\]\.value: unknown variable \{\{nope\}\}/);
    const notJson = await consoleClient.post('/console/crm', { name: 'hook', kind: 'webhook', config: '{url', rules: '', secrets: '' });
    expect(await notJson.text()).toMatch(/id="f-config-error"[^>]*>expected a JSON object/);

    const created = await consoleClient.post('/console/crm', { name: 'hook', kind: 'webhook', config: `{"url": "${receiver.url}"}`, rules: '', secrets: '' });
    expect(created.status).toBe(201);
    const html = await created.text();
    const secret = /whsec_[A-Za-z0-9+/=]+/.exec(html)?.[0];
    expect(secret).toBeTruthy();
    receiver.secret = secret!;
    expect(await (await consoleClient.get('/console/crm')).text()).not.toContain(secret!);

    // Editing: the rules come back with errors beside them; a good change is saved; secrets stay hidden.
    const connector = (await ctx.db.selectFrom('crm_connectors').select('id').executeTakeFirstOrThrow()).id;
    const form = await (await consoleClient.get(`/console/crm/connectors/${connector}`)).text();
    expect(form).toContain('set: signing_secret');
    expect(form).not.toContain(secret!);
    const refused = await consoleClient.post(`/console/crm/connectors/${connector}`, { name: 'hook', config: `{"url": "${receiver.url}"}`, rules: '{"phone_format": "roman"}', secrets: '' });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toMatch(/id="f-rules-error"[^>]*>phone_format:/);
    const saved = await consoleClient.post(`/console/crm/connectors/${connector}`, { name: 'Helpdesk', config: `{"url": "${receiver.url}"}`, rules: '{"phone_format": "digits"}', secrets: '' });
    expect(saved.status).toBe(303);
    expect(await (await ctx.admin('GET', `/api/v1/admin/crm_connectors/${connector}`)).json()).toMatchObject({ name: 'Helpdesk', rules: { phone_format: 'digits' }, secrets_set: ['signing_secret'] });
  });

  it('replays a dead delivery from the communication page', async () => {
    receiver.script.push({ status: 400 });
    const call = (await (await postCall(ctx, integration, callBody({ uid: 'console-crm', duration: 20 }))).json()) as { id: string };
    await ctx.services.crmDeliveries.run();
    const before = await (await consoleClient.get(`/console/communications/${call.id}`)).text();
    expect(before).toMatch(/data-state="dead"/);
    expect(await (await consoleClient.get('/console/overview')).text()).toMatch(/data-testid="crm-overview"[^]*<td class="bad">1<\/td>/);
    const delivery = (await ctx.db.selectFrom('crm_deliveries').select('id').where('communication_id', '=', call.id).executeTakeFirstOrThrow()).id;
    const replayed = await consoleClient.post(`/console/communications/${call.id}/deliveries/${delivery}/replay`, { confirm: '1' });
    expect(replayed.status).toBe(303);
    await ctx.services.crmDeliveries.run();
    expect(await (await consoleClient.get(`/console/communications/${call.id}`)).text()).toMatch(/data-state="delivered"/);
    expect(await (await consoleClient.get('/console/crm?state=delivered')).text()).toContain(`/console/communications/${call.id}`);
    expect(receiver.applied.size).toBe(1);
    const overview = await (await consoleClient.get('/console/overview')).text();
    expect(overview).toMatch(/data-testid="crm-overview"[^]*Helpdesk[^]*<td>0<\/td><td class="">0<\/td><td class="">0<\/td>/); // dead no more
  });
});
