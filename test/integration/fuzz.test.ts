// Property test: thousands of randomly broken bodies never get a 5xx, only documented codes, and leave
// exactly the rows their 2xx answers announced (no partial writes).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../server/http/error-codes.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, defineField, seedWorld, type Integration } from '../support/fixtures.js';

let ctx: TestContext;
let integration: Integration;
const SEED = 20261122;

beforeAll(async () => {
  ctx = await createTestContext({ bodyLimitBytes: 256 * 1024 });
  ({ integration } = await seedWorld(ctx));
  await defineField(ctx, { key: 'flags', name: 'Flags', type: 'string_array', used_for_filtering: true });
});
afterAll(() => ctx.close());

const nasty = fc.oneof(
  fc.string(),
  fc.constantFrom("'; drop table communications; --", '\u0000', '\ud800', '__proto__', '../../etc/passwd', '%00', '{"$gt": ""}', 'Поддержка'),
  fc.string({ minLength: 1000, maxLength: 50_000 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 5 }),
  fc.object({ maxDepth: 3 }),
);
const FIELDS = ['operator_id', 'started_at', 'media_url', 'uid', 'client_phone_number', 'direction', 'duration', 'phone_call_chain_uid', 'client', 'custom_fields', 'nps', 'transcript', 'tags', '__proto__', 'constructor'];

/** A valid call with some fields replaced by hostile values, or dropped. */
const mutatedCall = fc
  .record({
    uid: fc.uuid(),
    changes: fc.array(fc.tuple(fc.constantFrom(...FIELDS), nasty, fc.boolean()), { minLength: 1, maxLength: 4 }),
  })
  .map(({ uid, changes }) => {
    const body: Record<string, unknown> = callBody({ uid, custom_fields: { topic: 'A', reopen_count: 1 } });
    for (const [field, value, drop] of changes) {
      if (drop) delete body[field];
      else Object.defineProperty(body, field, { value, enumerable: true, configurable: true, writable: true });
    }
    return JSON.stringify(body);
  });

const deepNesting = fc.integer({ min: 20, max: 5000 }).map((depth) => `{"custom_fields": {"topic": ${'['.repeat(depth)}${']'.repeat(depth)}}}`);
const randomBytes = fc.uint8Array({ maxLength: 2000 });
const anyJson = fc.json({ maxDepth: 6 });
const body = fc.oneof({ weight: 6, arbitrary: mutatedCall }, { weight: 2, arbitrary: anyJson }, { weight: 1, arbitrary: randomBytes }, { weight: 1, arbitrary: deepNesting });

const filterNode: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('condition'), fc.record({ and: fc.array(tie('node'), { maxLength: 3 }) }), fc.record({ or: fc.array(tie('node'), { maxLength: 3 }) })),
  condition: fc.record({
    field: fc.oneof(fc.constantFrom('kind', 'tags', 'started_at', 'duration', 'direction', 'client_phone', 'operator_id', 'cf.topic', 'cf.sub-topic', 'cf.flags', 'cf.opened_at', 'cf.nope'), fc.string()),
    op: fc.oneof(fc.constantFrom('eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'between', 'contains', 'exists', 'not_exists'), fc.string()),
    value: fc.oneof(nasty, fc.tuple(nasty, nasty), fc.constantFrom('2024-01-01T00:00:00Z', 5, 'incoming')),
  }),
})).node;

const DOCUMENTED = new Set(Object.keys(ERROR_CODES));

async function checkAnswer(res: Response, okStatuses: number[]) {
  expect(res.status).toBeLessThan(500);
  if (res.status >= 400) {
    const answer = (await res.json()) as { error: { code: string; details: unknown[]; request_id: string } };
    expect(DOCUMENTED.has(answer.error.code), answer.error.code).toBe(true);
    expect(Array.isArray(answer.error.details)).toBe(true);
    expect(answer.error.request_id).toBe(res.headers.get('x-request-id'));
  } else {
    expect(okStatuses).toContain(res.status);
  }
}

describe('fuzzing', () => {
  it('phone call ingestion: 3000 broken bodies, no 5xx, no partial rows', async () => {
    const created = new Set<string>();
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const res = await ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls`, { method: 'POST', headers: { authorization: integration.token }, body: payload });
        if (res.status === 201 || res.status === 200) created.add(((await res.clone().json()) as { id: string }).id);
        await checkAnswer(res, [200, 201]);
      }),
      { numRuns: 3000, seed: SEED },
    );
    expect(created.size).toBeGreaterThan(100);
    const rows = await ctx.db.selectFrom('communications').select('id').execute();
    expect(new Set(rows.map((r) => r.id))).toEqual(created);
    const outbox = await ctx.db.selectFrom('outbox').select(['key', 'topic']).execute();
    const topicsPerCall = new Map<string, number>();
    for (const row of outbox) topicsPerCall.set(row.key, (topicsPerCall.get(row.key) ?? 0) + 1);
    for (const id of created) expect(topicsPerCall.get(id)).toBeGreaterThanOrEqual(2);
    expect([...topicsPerCall.keys()].every((key) => created.has(key))).toBe(true);
  }, 120_000);

  it('search: 800 random filters, no 5xx, only documented codes', async () => {
    await fc.assert(
      fc.asyncProperty(filterNode, fc.option(fc.oneof(fc.string(), fc.constant('eyJzIjoieCJ9')), { nil: undefined }), async (filter, cursor) => {
        const res = await ctx.admin('POST', '/api/v1/communications/search', { filter, ...(cursor === undefined ? {} : { cursor }) });
        await checkAnswer(res, [200]);
      }),
      { numRuns: 800, seed: SEED },
    );
  }, 120_000);
});
