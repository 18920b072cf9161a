// The CRM delivery runner against local webhook receivers: broken credentials stop a claimed batch at once,
// connectors drain independently, a replay starts the backoff again, the fan-out binds within Postgres's
// parameter limit with many connectors, and a console replay checks the delivery's communication.
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DestinationPolicy } from '../../server/media/destination-policy.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { signIn } from '../support/console.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let ctx: TestContext;
let integration: Integration;
let slow: WebhookReceiver;
let fast: WebhookReceiver;
let uidSeq = 0;

beforeAll(async () => {
  [slow, fast] = await Promise.all([startWebhookReceiver(), startWebhookReceiver()]);
  ctx = await createTestContext({
    settings: { crm: { mediaWaitSeconds: 0, limits: { timeoutMs: 3_000, maxResponseBytes: 64 * 1024, policy: new DestinationPolicy(['127.0.0.1']) }, backoff: { baseMs: 1_000, maxMs: 3_600_000, maxAttempts: Infinity }, leaseSeconds: 30 } },
  });
  ({ integration } = await seedWorld(ctx));
});
afterAll(async () => {
  await ctx.close();
  await Promise.all([slow.close(), fast.close()]);
});
beforeEach(async () => {
  await sql`DELETE FROM crm_connectors`.execute(ctx.db);
  for (const receiver of [slow, fast]) {
    receiver.received.length = 0;
    receiver.applied.clear();
    receiver.script.length = 0;
  }
});

const json = async <T>(res: Response) => (await res.json()) as T;
async function connector(receiver: WebhookReceiver, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await ctx.admin('POST', '/api/v1/admin/crm_connectors', { name: `hook ${++uidSeq}`, kind: 'webhook', config: { url: receiver.url }, ...extra });
  expect(res.status, await res.clone().text()).toBe(201);
  const created = await json<{ id: string; secrets: { signing_secret: string } }>(res);
  receiver.secret = created.secrets.signing_secret;
  return created.id;
}
async function post(): Promise<string> {
  const res = await postCall(ctx, integration, callBody({ uid: `runner-${++uidSeq}`, duration: 30 }));
  expect(res.status).toBe(201);
  return (await json<{ id: string }>(res)).id;
}
const deliveries = (connectorId: string) =>
  ctx.db.selectFrom('crm_deliveries').select(['id', 'communication_id', 'state', 'attempts', 'first_attempt_at', 'next_attempt_at']).where('connector_id', '=', connectorId).execute();
const until = async (check: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end && !check(); ) await new Promise((r) => setTimeout(r, 20));
  return check();
};

describe('the CRM delivery runner', () => {
  it('stops a claimed batch at the first 410 and gives the unsent rows back unattempted', async () => {
    const id = await connector(slow, { max_concurrency: 1 });
    slow.script.push({ status: 410 });
    for (let i = 0; i < 20; i++) await post();
    await ctx.services.crmDeliveries.run();
    expect(slow.received).toHaveLength(1);
    const rows = await deliveries(id);
    expect(rows).toHaveLength(20);
    expect(rows.every((d) => d.state === 'paused')).toBe(true);
    const unsent = rows.filter((d) => d.attempts === 0);
    expect(unsent).toHaveLength(19);
    expect(unsent.every((d) => d.first_attempt_at === null && d.next_attempt_at.getTime() <= Date.now())).toBe(true);
  });

  it('lets a fast connector deliver while a slow one is still waiting on its CRM', async () => {
    await connector(slow);
    await connector(fast);
    slow.script.push({ status: 200, delayMs: 2_000 }, { status: 200, delayMs: 2_000 });
    const errors: unknown[] = [];
    await post();
    await ctx.services.crmDeliveries.tick((e) => errors.push(e));
    expect(await until(() => fast.received.length === 1 && slow.received.length === 1, 1_500)).toBe(true);
    const second = Date.now();
    await post();
    await ctx.services.crmDeliveries.tick((e) => errors.push(e));
    expect(await until(() => fast.received.length === 2, 1_500)).toBe(true);
    expect(Date.now() - second).toBeLessThan(1_000); // not behind the slow connector's 2 s answers
    expect(slow.applied.size).toBe(1); // the slow one is still on its first
    await ctx.services.crmDeliveries.run(); // waits for every drain
    expect(slow.applied.size).toBe(2);
    expect(errors).toEqual([]);
  });

  it('replays a delivery with a fresh attempt count, so its backoff starts again from the first step', async () => {
    const id = await connector(fast);
    const communication = await post();
    fast.script.push({ status: 400 });
    await ctx.services.crmDeliveries.run();
    const [dead] = await deliveries(id);
    expect(dead!.state).toBe('dead');
    await sql`UPDATE crm_deliveries SET attempts = 14 WHERE id = ${dead!.id}`.execute(ctx.db); // retried for days before
    expect((await ctx.admin('POST', `/api/v1/admin/crm_deliveries/${dead!.id}/replay`)).status).toBe(200);
    expect((await deliveries(id))[0]).toMatchObject({ attempts: 0, state: 'pending' });
    fast.script.push({ status: 500 });
    await ctx.services.crmDeliveries.run();
    const [retried] = await deliveries(id);
    expect(retried).toMatchObject({ communication_id: communication, state: 'pending', attempts: 1 });
    expect(retried!.next_attempt_at.getTime() - Date.now()).toBeLessThan(5_000); // the first step, not an hour
  });

  it('fans out to 70 connectors without passing the 65,535 bind parameters of one statement', async () => {
    for (let i = 0; i < 70; i++) await connector(fast);
    const calls = 190; // 190 × 70 = 13,300 deliveries of 5 parameters each
    for (let i = 0; i < calls; i++) await post();
    expect(await ctx.services.crmDeliveries.fanOut()).toBe(calls);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM crm_deliveries`.execute(ctx.db);
    expect(rows[0]!.n).toBe(calls * 70);
    const { rows: left } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox WHERE topic = 'crm'`.execute(ctx.db);
    expect(left[0]!.n).toBe(0);
  }, 60_000);

  it('console replay answers 404 for a delivery of another communication and leaves it alone', async () => {
    const id = await connector(fast);
    const [mine, other] = [await post(), await post()];
    await ctx.services.crmDeliveries.run();
    const delivery = (await deliveries(id)).find((d) => d.communication_id === mine)!;
    const browser = await signIn(ctx);
    const res = await browser.post(`/console/communications/${other}/deliveries/${delivery.id}/replay`, {});
    expect(res.status).toBe(404);
    expect((await deliveries(id)).find((d) => d.id === delivery.id)!.state).toBe('delivered');
    const ok = await browser.post(`/console/communications/${mine}/deliveries/${delivery.id}/replay`, { confirm: '1' });
    expect(ok.status).toBe(303);
  });
});
