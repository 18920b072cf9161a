// Issue 16 item 5: a call's CRM delivery waits for its recording. With the real jobs (woken by NOTIFY), a
// slow recording source gets the webhook after the recording is stored, with recording_url set, while a
// call with a quick one goes out meanwhile; a failed fetch lets the delivery go without it; and once the
// media wait has passed (EARSHOT_CRM_MEDIA_WAIT_SECONDS, default 300) it goes without it too.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresSignals } from '../../server/db/signals.js';
import { crmDeliveryJob } from '../../server/jobs/crm-deliveries.js';
import { mediaFetchJob } from '../../server/jobs/media-fetch.js';
import { Scheduler } from '../../server/jobs/scheduler.js';
import { createLogger } from '../../server/logger.js';
import { DestinationPolicy } from '../../server/media/destination-policy.js';
import { JobRuns } from '../../server/services/job-runs.js';
import { bytesOf, speech } from '../support/audio.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let ctx: TestContext;
let integration: Integration;
let receiver: WebhookReceiver;
let pool: pg.Pool;
let signals: PostgresSignals;
let pbx: Server;
let pbxUrl: string;
/** A second PBX (fetches of one host wait for its first answer), quick with every recording. */
let quickPbx: Server;
let quickPbxUrl: string;
/** When the slow source finished sending each recording (by path). */
const served = new Map<string, number>();
let seq = 0;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  // The default media wait (300 s): nothing here sets mediaWaitSeconds.
  ctx = await createTestContext({ settings: { crm: { limits: { timeoutMs: 2_000, maxResponseBytes: 65_536, policy: new DestinationPolicy(['127.0.0.1']) } } } });
  ({ integration } = await seedWorld(ctx));
  pool = new pg.Pool({ connectionString: ctx.url, max: 4 });
  signals = new PostgresSignals(ctx.url, pool);
  const audio = bytesOf(speech('Запись приходит позже'));
  const pbxServing = (delayMs: number) =>
    createServer((req, res) => {
      if (req.url?.startsWith('/missing')) return void res.writeHead(404).end();
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'audio/wav' }).end(audio);
        served.set(req.url ?? '', Date.now());
      }, delayMs);
    });
  pbx = pbxServing(1_500); // a slow PBX: its recordings take 1.5 s to come
  quickPbx = pbxServing(0);
  await Promise.all([pbx, quickPbx].map((server) => new Promise<void>((r) => server.listen(0, '127.0.0.1', r))));
  pbxUrl = `http://127.0.0.1:${(pbx.address() as AddressInfo).port}`;
  quickPbxUrl = `http://127.0.0.1:${(quickPbx.address() as AddressInfo).port}`;
  const res = await ctx.admin('POST', '/api/v1/admin/crm_connectors', { name: 'hook', kind: 'webhook', config: { url: receiver.url } });
  receiver.secret = ((await res.json()) as { secrets: { signing_secret: string } }).secrets.signing_secret;
});
afterAll(async () => {
  pbx.close();
  quickPbx.close();
  await signals.close();
  await pool.end();
  await ctx.close();
  await receiver.close();
});
beforeEach(() => {
  receiver.received.length = 0;
  receiver.applied.clear();
});

const until = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
};
async function post(overrides: Record<string, unknown>): Promise<string> {
  const res = await postCall(ctx, integration, callBody({ uid: `wait-${++seq}`, duration: 30, ...overrides }));
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}
const webhookOf = (id: string) => receiver.received.map((r) => ({ at: 0, ...(JSON.parse(r.body) as { data: { id: string; recording_url: string | null } }) })).find((w) => w.data.id === id);
const deliveryOf = (id: string) => ctx.db.selectFrom('crm_deliveries').select(['state', 'attempts', 'awaits_media']).where('communication_id', '=', id).executeTakeFirstOrThrow();

describe('a CRM delivery of a call whose recording is being fetched', () => {
  it('arrives after the recording is stored, with recording_url set, without holding up another call', async () => {
    const scheduler = new Scheduler(signals, new JobRuns(ctx.db), createLogger('silent'));
    scheduler.register({ ...mediaFetchJob(ctx.services.recordings), schedule: '0 0 1 1 *' });
    scheduler.register({ ...crmDeliveryJob(ctx.services.crmDeliveries, () => {}), schedule: '0 0 1 1 *' }); // NOTIFY wake-ups only
    // Both calls are there when the jobs start, so one fetch pass downloads both recordings at once.
    const slow = await post({ media_url: `${pbxUrl}/slow-1.wav` });
    const quick = await post({ media_url: `${quickPbxUrl}/quick-1.wav` });
    await scheduler.start();
    try {
      const arrivals = new Map<string, number>();
      const watch = setInterval(() => {
        for (const r of receiver.received) {
          const id = (JSON.parse(r.body) as { data: { id: string } }).data.id;
          if (!arrivals.has(id)) arrivals.set(id, Date.now());
        }
      }, 10);
      try {
        await until(() => arrivals.has(quick), 5_000);
        expect(served.has('/slow-1.wav')).toBe(false); // the quick call did not wait for the slow one
        expect(arrivals.has(slow)).toBe(false);
        await until(() => arrivals.has(slow));
      } finally {
        clearInterval(watch);
      }
      expect(arrivals.get(slow)!).toBeGreaterThanOrEqual(served.get('/slow-1.wav')!);
      expect(webhookOf(slow)!.data.recording_url).toMatch(/^http:\/\/earshot\.test\/recording-links\/[0-9a-f-]{36}\?sig=/);
      expect(arrivals.get(quick)!).toBeGreaterThanOrEqual(served.get('/quick-1.wav')!);
      expect(webhookOf(quick)!.data.recording_url).toMatch(/\/recording-links\//);
      await until(async () => (await deliveryOf(slow)).state === 'delivered');
      expect(await deliveryOf(slow)).toMatchObject({ attempts: 1 }); // the waits were not attempts
    } finally {
      await scheduler.stop();
    }
  });

  it('goes out without the recording once its fetch has failed', async () => {
    const call = await post({ media_url: `${pbxUrl}/missing.wav` });
    const first = await ctx.services.crmDeliveries.run();
    expect(first).toMatchObject({ delivered: 0, waiting: 1 });
    expect(await deliveryOf(call)).toMatchObject({ state: 'pending', attempts: 0, awaits_media: true });
    expect(receiver.received).toHaveLength(0);
    expect(await ctx.services.recordings.fetchPending()).toMatchObject({ failed: 1 });
    expect(await ctx.services.crmDeliveries.run()).toMatchObject({ delivered: 1, waiting: 0 });
    expect(webhookOf(call)!.data.recording_url).toBeNull();
  });

  it('goes out without the recording once the media wait has passed', async () => {
    const call = await post({ media_url: 'http://127.0.0.1:9/never-fetched.wav' });
    expect(await ctx.services.crmDeliveries.run()).toMatchObject({ delivered: 0, waiting: 1 });
    const { next_attempt_at } = await ctx.db.selectFrom('crm_deliveries').select('next_attempt_at').where('communication_id', '=', call).executeTakeFirstOrThrow();
    expect(next_attempt_at.getTime() - Date.now()).toBeGreaterThan(20_000); // rescheduled, not polled in a loop
    await sql`UPDATE crm_deliveries SET created_at = now() - interval '301 seconds', next_attempt_at = now() WHERE communication_id = ${call}`.execute(ctx.db);
    expect(await ctx.services.crmDeliveries.run()).toMatchObject({ delivered: 1, waiting: 0 });
    expect(webhookOf(call)!.data.recording_url).toBeNull();
  });
});
