// Names of Object.prototype members (`constructor`, `__proto__`, …) sent as user text are ordinary unknown
// names everywhere: never a function found in a plain object, never a 5xx, never silently dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reapplyCustomFields } from '../../server/services/search-backfill.js';
import type { CustomFieldDefinition } from '../../server/domain/custom-field-types.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { signIn } from '../support/console.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

let ctx: TestContext;
let integration: Integration;

beforeAll(async () => {
  ctx = await createTestContext();
  ({ integration } = await seedWorld(ctx));
});
afterAll(() => ctx.close());

describe('prototype member names as user text', () => {
  it.each(PROTOTYPE_KEYS)('GET /api/docs/assets/%s (no auth) → 404', async (key) => {
    const res = await ctx.app.request(`/api/docs/assets/${key}`);
    expect(res.status).toBe(404);
  });

  it.each(PROTOTYPE_KEYS)('console ?sort=%s → 422 "choose one of the listed orders", not 500', async (key) => {
    const client = await signIn(ctx);
    const res = await client.get(`/console/communications?sort=${encodeURIComponent(key)}`);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('choose one of the listed orders');
  });

  it.each(PROTOTYPE_KEYS)('direction %s as a filter value → 422 at filter.value', async (key) => {
    const res = await ctx.admin('POST', '/api/v1/communications/search', { filter: { field: 'direction', op: 'eq', value: key } });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { details: Array<{ path: string }> } };
    expect(body.error.details.map((d) => d.path)).toEqual(['filter.value']);
  });

  it.each(PROTOTYPE_KEYS)('filter field %s and sort field %s → 422, not 500', async (key) => {
    const filter = await ctx.admin('POST', '/api/v1/communications/search', { filter: { field: key, op: 'eq', value: 'x' } });
    expect(filter.status).toBe(422);
    const sort = await ctx.admin('POST', '/api/v1/communications/search', { sort: [{ field: key, dir: 'asc' }] });
    expect(sort.status).toBe(422);
  });

  it('a custom field key named after a prototype member gets the unknown_field warning, __proto__ included', async () => {
    const fields = `{${PROTOTYPE_KEYS.map((k) => `"${k}": "x"`).join(', ')}, "topic": "Billing"}`;
    const body = JSON.stringify(callBody({ uid: 'proto-cf' })).replace(/}$/, `, "custom_fields": ${fields}}`);
    const res = await ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls`, { method: 'POST', headers: { authorization: integration.token }, body });
    expect(res.status).toBe(201);
    const answer = (await res.json()) as { id: string; warnings: Array<{ path: string; code: string }> };
    for (const key of PROTOTYPE_KEYS) expect(answer.warnings).toContainEqual(expect.objectContaining({ path: `custom_fields.${key}`, code: 'unknown_field' }));
    const row = await ctx.db.selectFrom('communications').select('custom_fields').where('id', '=', answer.id).executeTakeFirstOrThrow();
    expect(row.custom_fields).toEqual({ topic: 'Billing' });
  });

  it('tags and client names that are prototype member names are stored as text', async () => {
    const res = await postCall(ctx, integration, callBody({ uid: 'proto-tags', tags: PROTOTYPE_KEYS, client: { id: 'constructor', first_name: '__proto__' } }));
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const detail = (await (await ctx.admin('GET', `/api/v1/communications/${id}`)).json()) as { tags: string[] };
    expect([...detail.tags].sort()).toEqual([...PROTOTYPE_KEYS].sort());
  });

  it('backfill --reapply-raw applies a field named isPrototypeOf (or any prototype name) that became defined', () => {
    const definitions = new Map<string, CustomFieldDefinition>(
      ['isPrototypeOf', 'valueOf'].map((key): [string, CustomFieldDefinition] => [key, { key, type: 'string', options: null, usedForFiltering: false, archived: false }]),
    );
    const row = { id: 'c1', custom_fields: {}, raw_fields: { isPrototypeOf: 'yes', valueOf: 'v' }, default_timezone: null, warnings: [{ path: 'custom_fields.isPrototypeOf', code: 'unknown_field', message: 'x' }] };
    const result = reapplyCustomFields(row as unknown as Parameters<typeof reapplyCustomFields>[0], definitions);
    expect(result?.custom_fields).toEqual({ isPrototypeOf: 'yes', valueOf: 'v' });
    expect(result?.warnings).toEqual([]);
  });
});
