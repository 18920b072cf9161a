// A null for an optional field means the field is absent (clients send back what they got: `"cursor": null`).
// Every operation of the OpenAPI document with a JSON body gets, for each optional property at any depth,
// a valid-ish body with that property set to null: never a 5xx, never a 422 at that property.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPath } from '../../server/http/errors.js';
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../support/context.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';
import { loadDocument, operationsOf, pathParam, propertyPaths, sample, urlOf, withValue, type Document, type Operation, type World } from '../support/openapi-requests.js';

let ctx: TestContext;
let integration: Integration;
let document: Document;
let world: World;

beforeAll(async () => {
  ctx = await createTestContext();
  const seeded = await seedWorld(ctx);
  integration = seeded.integration;
  const call = (await (await postCall(ctx, integration, callBody({ uid: 'null-known', client: { id: 'client-null' } }))).json()) as { id: string };
  world = { integrationId: integration.id, operatorId: seeded.operator.id, operatorExternalId: seeded.operator.external_id, communicationId: call.id, callUid: 'null-known', clientId: 'client-null' };
  document = await loadDocument(ctx);
});
afterAll(() => ctx?.close());

function send(op: Operation, body: unknown) {
  const params = Object.fromEntries(op.parameters.filter((p) => p.in === 'path').map((p) => [p.name, pathParam(op, p.name, world)]));
  const token = op.path.startsWith('/api/v1/integrations/') ? integration.token : `Bearer ${ADMIN_TOKEN}`;
  return ctx.app.request(urlOf(op, params), { method: op.method, headers: { authorization: token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function refusedAt(res: Response): Promise<string[]> {
  if (res.status !== 422) return [];
  const answer = (await res.json()) as { error: { details: Array<{ path: string }> } };
  return answer.error.details.map((d) => d.path);
}

describe('null for an optional field is absent, for every JSON body of the OpenAPI document', () => {
  it('no operation answers 5xx, or 422 at the nulled property', async () => {
    const operations = operationsOf(document).filter((op) => op.body !== undefined);
    expect(operations.length).toBeGreaterThan(20);
    const failures: string[] = [];
    let tried = 0;
    for (const op of operations) {
      const base = sample(document, op.body!, world);
      for (const { path, required } of propertyPaths(document, op.body!)) {
        if (required) continue;
        tried++;
        const field = formatPath(path);
        const res = await send(op, withValue(base, path, null));
        const paths = await refusedAt(res);
        if (res.status >= 500) failures.push(`${op.method} ${op.path} ${field}=null → ${res.status}`);
        else if (paths.some((p) => p === field || p.startsWith(`${field}.`) || p.startsWith(`${field}[`))) failures.push(`${op.method} ${op.path} ${field}=null → 422 at ${paths.join(', ')}`);
      }
    }
    expect(tried).toBeGreaterThan(40);
    expect(failures).toEqual([]);
  }, 120_000);

  it('a search with "cursor": null, "limit": null and "sort": null is the first page', async () => {
    const res = await ctx.admin('POST', '/api/v1/communications/search', { cursor: null, limit: null, sort: null, filter: null, q: null });
    expect(res.status).toBe(200);
  });

  it('CRM rules and source configs nested in open objects take null as absent too', async () => {
    const created = await ctx.admin('POST', '/api/v1/admin/crm_connectors', {
      name: 'hook',
      kind: 'webhook',
      config: { url: 'https://crm.example/hook' },
      secrets: null,
      rules: { duty_user: null, integrations: null, templates: { subject: null } },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const connector = (await created.json()) as { id: string };
    const patched = await ctx.admin('PATCH', `/api/v1/admin/crm_connectors/${connector.id}`, { name: null, secrets: null, rules: { duty_user: null } });
    expect(patched.status, await patched.clone().text()).toBe(200);
    const activated = await ctx.admin('POST', `/api/v1/admin/crm_connectors/${connector.id}/activate`, { resend_days: null });
    expect(activated.status, await activated.clone().text()).toBe(200);

    const cdr = path.join(mkdtempSync(path.join(os.tmpdir(), 'earshot-null-')), 'Master.csv');
    writeFileSync(cdr, '');
    const source = await ctx.admin('POST', '/api/v1/admin/sources', {
      name: 'csv',
      kind: 'asterisk_cdr_csv',
      integration_id: integration.id,
      schedule: '*/5 * * * *',
      active: null,
      config: { path: cdr, recordings_dir: null, timezone: null },
    });
    expect(source.status, await source.clone().text()).toBe(201);
    const { id } = (await source.json()) as { id: string };
    const updated = await ctx.admin('PATCH', `/api/v1/admin/sources/${id}`, { schedule: null, config: { recordings_dir: null } });
    expect(updated.status, await updated.clone().text()).toBe(200);
  });
});
