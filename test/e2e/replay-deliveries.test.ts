// scripts/replay-deliveries as an admin runs it: dead deliveries of a connector are counted with --dry-run,
// requeued by a real run (delivered once by the job afterwards), and a second run finds nothing left.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DestinationPolicy } from '../../server/media/destination-policy.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, postCall, seedWorld } from '../support/fixtures.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let ctx: TestContext;
let receiver: WebhookReceiver;

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/replay-deliveries.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: ctx.url, EARSHOT_SECRET_KEY: 'cli-test-secret-key-0123456789abcdef', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  ctx = await createTestContext({ settings: { crm: { mediaWaitSeconds: 0, limits: { timeoutMs: 1000, maxResponseBytes: 65536, policy: new DestinationPolicy(['127.0.0.1']) } } } });
});
afterAll(async () => {
  await ctx.close();
  await receiver.close();
});

describe('replay-deliveries', () => {
  it('counts with --dry-run, requeues dead deliveries, and finds nothing left on a second run', async () => {
    const { integration } = await seedWorld(ctx);
    const connector = (await (await ctx.admin('POST', '/api/v1/admin/crm_connectors', { name: 'hook', kind: 'webhook', config: { url: receiver.url } })).json()) as { id: string; secrets: { signing_secret: string } };
    receiver.secret = connector.secrets.signing_secret;
    receiver.script.push({ status: 400 }, { status: 400 }, { status: 400 });
    for (let i = 0; i < 3; i++) await postCall(ctx, integration, callBody({ uid: `replay-${i}`, duration: 30 }));
    await ctx.services.crmDeliveries.run();
    expect(receiver.applied.size).toBe(0);

    const dry = cli('--connector', connector.id, '--dry-run');
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('would replay 3 dead deliveries');
    const real = cli('--connector', connector.id, '--state', 'dead', '--from', '2000-01-01');
    expect(real.status, real.stderr).toBe(0);
    expect(real.stdout).toContain('replayed 3 dead deliveries');
    expect(real.stderr).toMatch(/replaying deliveries.*3\/3/);
    await ctx.services.crmDeliveries.run();
    expect(receiver.applied.size).toBe(3);
    expect(cli('--connector', connector.id).stdout).toContain('replayed 0 dead deliveries');
    expect(cli('--state', 'lost').status).toBe(2);
  });
});
