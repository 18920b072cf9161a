// Per-integration ingest rate limit: past EARSHOT_INGEST_RATE_LIMIT requests in a second, an integration
// gets 429 rate_limited with Retry-After and nothing is stored; other integrations are not affected, and
// wrong tokens do not eat the integration's budget.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, createIntegration, postCall, seedWorld, type Integration } from '../support/fixtures.js';

const RATE = 5;
let ctx: TestContext;
let busy: Integration;
let quiet: Integration;

beforeAll(async () => {
  ctx = await createTestContext({ settings: { ingestRateLimit: RATE } });
  ({ integration: busy } = await seedWorld(ctx));
  quiet = await createIntegration(ctx, { name: 'Quiet PBX' });
});
afterAll(() => ctx.close());

const stored = async (uids: string[]) =>
  (await ctx.db.selectFrom('communications').select('uid').where('uid', 'in', uids).execute()).map((r) => r.uid).sort();

/** The limiter's window is one second from an integration's first request in it: wait one out. */
const freshWindow = () => new Promise((r) => setTimeout(r, 1100));

describe('ingest rate limit per integration', () => {
  it('answers 429 with Retry-After past the rate, stores only what it accepted, and accepts again later', async () => {
    await freshWindow();
    const uids = Array.from({ length: RATE + 3 }, () => randomUUID());
    const answers = await Promise.all(uids.map((uid) => postCall(ctx, busy, callBody({ uid }))));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(RATE);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);

    const refused = answers.find((r) => r.status === 429)!;
    expect(refused.headers.get('retry-after')).toBe('1'); // the window is one second
    const body = (await refused.json()) as { error: { code: string; request_id: string } };
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.request_id).toBeTruthy();

    const accepted = uids.filter((_, i) => statuses[i] === 201).sort();
    expect(await stored(uids)).toEqual(accepted);

    await new Promise((r) => setTimeout(r, Number(refused.headers.get('retry-after')) * 1000));
    const retried = uids[statuses.indexOf(429)]!;
    expect((await postCall(ctx, busy, callBody({ uid: retried }))).status).toBe(201);
  });

  it('counts each integration on its own', async () => {
    await freshWindow();
    const burst = await Promise.all(Array.from({ length: RATE + 1 }, () => postCall(ctx, busy, callBody({ uid: randomUUID() }))));
    expect(burst.map((r) => r.status).sort()).toEqual([...Array<number>(RATE).fill(201), 429]);
    expect((await postCall(ctx, quiet, callBody({ uid: randomUUID() }))).status).toBe(201);
  });

  it('does not let wrong tokens spend an integration’s budget', async () => {
    await freshWindow();
    for (let i = 0; i < RATE * 3; i++) expect((await postCall(ctx, quiet, callBody({ uid: randomUUID() }), { authorization: 'esi_wrong' })).status).toBe(401);
    expect((await postCall(ctx, quiet, callBody({ uid: randomUUID() }))).status).toBe(201);
  });
});
