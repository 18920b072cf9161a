// Issue 16 item 7: CRMs get a stable recording link, not the hour-long playback URL. Through a listening
// server: the link a webhook carries has no expiry and still plays (with Range) when the playback URL of
// the same recording has expired; every open is audited with the client address; a revoked link answers
// 410 recording_link_revoked, a tampered signature or an unknown link 404 recording_link_not_found.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DestinationPolicy } from '../../server/media/destination-policy.js';
import { bytesOf, speech } from '../support/audio.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let ctx: TestContext;
let integration: Integration;
let receiver: WebhookReceiver;
let server: ServerType;
let base: string;
let audio: Buffer;
let seq = 0;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  ctx = await createTestContext({ settings: { crm: { limits: { timeoutMs: 2_000, maxResponseBytes: 65_536, policy: new DestinationPolicy(['127.0.0.1']) } } } });
  ({ integration } = await seedWorld(ctx));
  server = serve({ fetch: ctx.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const res = await ctx.admin('POST', '/api/v1/admin/crm_connectors', { name: 'hook', kind: 'webhook', config: { url: receiver.url } });
  receiver.secret = ((await res.json()) as { secrets: { signing_secret: string } }).secrets.signing_secret;
  audio = bytesOf(speech('Ссылка на запись для тикета'));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await ctx.close();
  await receiver.close();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A call with an uploaded recording, delivered to the webhook: the recording_url it carried and the call's id. */
async function deliveredCall(): Promise<{ id: string; link: URL }> {
  const uid = `link-${++seq}`;
  const posted = await postCall(ctx, integration, callBody({ uid, duration: 30 }));
  const { id } = (await posted.json()) as { id: string };
  const upload = await ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls/${uid}/recording`, { method: 'PUT', headers: { authorization: integration.token, 'content-type': 'audio/wav' }, body: audio });
  expect(upload.status).toBe(200);
  receiver.received.length = 0;
  await ctx.services.crmDeliveries.run();
  const webhook = receiver.received.map((r) => JSON.parse(r.body) as { data: { id: string; recording_url: string } }).find((w) => w.data.id === id);
  return { id, link: new URL(webhook!.data.recording_url) };
}
/** The link on the listening server (recording_url names the configured public URL). */
const open = (link: URL, headers: Record<string, string> = {}, method = 'GET') => fetch(`${base}${link.pathname}${link.search}`, { method, headers });
const linkId = (link: URL) => link.pathname.split('/').at(-1)!;

describe('the recording link given to CRMs', () => {
  it('has no expiry and still plays, ranges included, when the hour-long playback URL has expired', async () => {
    const { id, link } = await deliveredCall();
    expect(link.pathname).toMatch(/^\/recording-links\/[0-9a-f-]{36}$/);
    expect([...link.searchParams.keys()]).toEqual(['sig']);
    const { media } = (await (await ctx.admin('GET', `/api/v1/communications/${id}`)).json()) as { media: { url: string } };
    const playback = new URL(media.url);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 30 * 86_400_000); // a ticket opened a month later
    const expired = await fetch(`${base}${playback.pathname}${playback.search}`);
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as { error: { code: string } }).error.code).toBe('url_expired');

    const whole = await open(link);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await whole.arrayBuffer()).equals(audio)).toBe(true);
    const part = await open(link, { range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${audio.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(audio.subarray(100, 200))).toBe(true);
  });

  it('audits every open with its time, client address, user agent and range', async () => {
    const { link } = await deliveredCall();
    const before = Date.now();
    expect((await open(link, { 'user-agent': 'HelpdeskPlayer/1.0', range: 'bytes=0-9' })).status).toBe(206);
    expect((await open(link, {}, 'HEAD')).status).toBe(200);
    const res = await ctx.admin('GET', `/api/v1/admin/recording_links/${linkId(link)}`);
    expect(res.status).toBe(200);
    const audited = (await res.json()) as { revoked_at: string | null; opens: Array<{ opened_at: string; client_address: string; user_agent: string | null; range: string | null; outcome: string }> };
    expect(audited.revoked_at).toBeNull();
    expect(audited.opens).toHaveLength(2);
    expect(audited.opens[1]).toMatchObject({ client_address: '127.0.0.1', user_agent: 'HelpdeskPlayer/1.0', range: 'bytes=0-9', outcome: 'served' });
    expect(Date.parse(audited.opens[1]!.opened_at)).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('answers 410 once revoked through the admin API (the refusal audited), and a later delivery gets a new link', async () => {
    const { id, link } = await deliveredCall();
    expect((await open(link)).status).toBe(200);
    const revoked = await ctx.admin('POST', `/api/v1/admin/recording_links/${linkId(link)}/revoke`);
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { revoked_at: string | null }).revoked_at).not.toBeNull();
    const gone = await open(link);
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('recording_link_revoked');
    const listed = (await (await ctx.admin('GET', `/api/v1/admin/recording_links?communication=${id}`)).json()) as { items: Array<{ id: string; opens: number; revoked_at: string | null }> };
    expect(listed.items).toEqual([expect.objectContaining({ id: linkId(link), opens: 2 })]);
    const replayed = await ctx.db.selectFrom('crm_deliveries').select('id').where('communication_id', '=', id).executeTakeFirstOrThrow();
    await ctx.admin('POST', `/api/v1/admin/crm_deliveries/${replayed.id}/replay`);
    receiver.received.length = 0;
    await ctx.services.crmDeliveries.run();
    const fresh = new URL((JSON.parse(receiver.received[0]!.body) as { data: { recording_url: string } }).data.recording_url);
    expect(linkId(fresh)).not.toBe(linkId(link));
    expect((await open(fresh)).status).toBe(200);
  });

  it('answers 404 for a tampered signature, a missing one and an unknown link', async () => {
    const { link } = await deliveredCall();
    const sig = link.searchParams.get('sig')!;
    const tampered = new URL(link);
    tampered.searchParams.set('sig', `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`);
    const unsigned = new URL(link);
    unsigned.search = '';
    const unknown = new URL(link);
    unknown.pathname = '/recording-links/00000000-0000-4000-8000-000000000000';
    const notUuid = new URL(link);
    notUuid.pathname = '/recording-links/constructor';
    for (const bad of [tampered, unsigned, unknown, notUuid]) {
      const res = await open(bad);
      expect(res.status, bad.toString()).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('recording_link_not_found');
    }
    expect((await (await ctx.admin('GET', `/api/v1/admin/recording_links/${linkId(link)}`)).json()) as { opens: Array<{ outcome: string }> }).toMatchObject({ opens: [{ outcome: 'invalid_signature' }, { outcome: 'invalid_signature' }] });
  });

  it('admin routes answer 404 and 422 for what is not a link or a communication', async () => {
    expect((await ctx.admin('GET', '/api/v1/admin/recording_links/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await ctx.admin('POST', '/api/v1/admin/recording_links/nope/revoke')).status).toBe(404);
    expect((await ctx.admin('GET', '/api/v1/admin/recording_links?communication=nope')).status).toBe(422);
    expect((await ctx.app.request('/api/v1/admin/recording_links?communication=00000000-0000-4000-8000-000000000000')).status).toBe(401);
  });
});
