// Admin API on real Postgres: integrations and their tokens, departments, operators, CSV import, custom fields.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, SECRET_KEY, type TestContext } from '../support/context.js';
import { callBody, createIntegration, createOperator, postCall } from '../support/fixtures.js';
import { hashToken } from '../../server/domain/tokens.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const json = async <T = Record<string, unknown>>(res: Response | Promise<Response>) => (await (await res).json()) as T;

describe('integrations', () => {
  it('shows the token once, stores only its hash, and rotates it', async () => {
    const created = await createIntegration(ctx, { name: 'PBX', default_timezone: 'Europe/Moscow' });
    expect(created.phone_calls_url).toBe(`http://earshot.test/api/v1/integrations/${created.id}/phone_calls`);
    expect(created).toMatchObject({ chats_url: `http://earshot.test/api/v1/integrations/${created.id}/chats`, default_timezone: 'Europe/Moscow' });
    const row = await ctx.db.selectFrom('integrations').select('token_hash').where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashToken(created.token, SECRET_KEY));
    expect(row.token_hash).not.toContain(created.token);

    const list = await json<{ items: Array<Record<string, unknown>> }>(ctx.admin('GET', '/api/v1/admin/integrations'));
    expect(list.items.find((i) => i.id === created.id)).not.toHaveProperty('token');

    await createOperator(ctx, { external_id: 'rot-op' });
    const rotated = await json<{ token: string }>(ctx.admin('POST', `/api/v1/admin/integrations/${created.id}/rotate_token`));
    expect(rotated.token).not.toBe(created.token);
    expect((await postCall(ctx, created, callBody({ operator_id: 'rot-op' }))).status).toBe(401);
    expect((await postCall(ctx, { ...created, token: rotated.token }, callBody({ operator_id: 'rot-op' }))).status).toBe(201);
  });

  it('refuses a bad time zone and unknown ids', async () => {
    const bad = await ctx.admin('POST', '/api/v1/admin/integrations', { name: 'x', default_timezone: 'Mars/Olympus' });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ error: { details: [{ path: 'default_timezone' }] } });
    expect((await ctx.admin('POST', '/api/v1/admin/integrations/00000000-0000-4000-8000-000000000000/rotate_token')).status).toBe(404);
    expect((await ctx.admin('POST', '/api/v1/admin/integrations/not-a-uuid/rotate_token')).status).toBe(404);
  });
});

describe('departments and operators', () => {
  it('creates departments with unique names (case-insensitive) and known parents', async () => {
    const parent = await json<{ id: string }>(ctx.admin('POST', '/api/v1/admin/departments', { name: 'Sales' }));
    expect((await ctx.admin('POST', '/api/v1/admin/departments', { name: 'sales' })).status).toBe(409);
    expect((await ctx.admin('POST', '/api/v1/admin/departments', { name: 'Sales B2B', parent_id: parent.id })).status).toBe(201);
    const orphan = await ctx.admin('POST', '/api/v1/admin/departments', { name: 'X', parent_id: '00000000-0000-4000-8000-000000000000' });
    expect(await orphan.json()).toMatchObject({ error: { code: 'department_not_found', details: [{ path: 'parent_id' }] } });
    const list = await json<{ items: Array<{ name: string }> }>(ctx.admin('GET', '/api/v1/admin/departments'));
    expect(list.items.map((d) => d.name)).toEqual(expect.arrayContaining(['Sales', 'Sales B2B']));
  });

  it('creates, patches and pages operators', async () => {
    const op = await createOperator(ctx, { external_id: 'page-0', email: 'a@b.com' });
    expect((await ctx.admin('POST', '/api/v1/admin/operators', { external_id: 'page-0' })).status).toBe(409);
    const badEmail = await ctx.admin('POST', '/api/v1/admin/operators', { external_id: 'e', email: 'nope' });
    expect(await badEmail.json()).toMatchObject({ error: { code: 'validation_failed', details: [{ path: 'email' }] } });
    const patched = await json(ctx.admin('PATCH', `/api/v1/admin/operators/${op.id}`, { first_name: 'Pat', active: false }));
    expect(patched).toMatchObject({ first_name: 'Pat', active: false, email: 'a@b.com' });
    expect((await ctx.admin('PATCH', '/api/v1/admin/operators/00000000-0000-4000-8000-000000000000', { active: true })).status).toBe(404);
    await createOperator(ctx, { external_id: 'page-1' });
    expect((await ctx.admin('PATCH', `/api/v1/admin/operators/${op.id}`, { external_id: 'page-1' })).status).toBe(409);

    for (let i = 2; i < 9; i++) await createOperator(ctx, { external_id: `page-${i}` });
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: { items: Array<{ external_id: string }>; next_cursor: string | null } = await json(ctx.admin('GET', `/api/v1/admin/operators?limit=3${after ? `&after=${encodeURIComponent(after)}` : ''}`));
      seen.push(...page.items.map((o) => o.external_id));
      after = page.next_cursor;
    } while (after);
    expect(seen.filter((e) => e.startsWith('page-'))).toEqual(Array.from({ length: 9 }, (_, i) => `page-${i}`));
    expect((await ctx.admin('GET', '/api/v1/admin/operators?limit=0')).status).toBe(422);
  });
});

describe('operator CSV import', () => {
  const importCsv = (text: string) => ctx.admin('POST', '/api/v1/admin/operators/import', text, { 'content-type': 'text/csv' });

  it('creates and updates, makes departments by name, and reports bad lines by number', async () => {
    const csv = [
      '\uFEFFexternal_id,email,first_name,last_name,department,active',
      'csv-1,one@x.com,Ann,Lee,Support,true',
      'csv-2,not-an-email,Bob,,Support,',
      ',x@y.com,,,,',
      'csv-3,three@x.com,"Smith, Jr","multi',
      'line",Sales,no',
      'csv-4,,,,,maybe',
      'csv-1,dup@x.com,,,,',
    ].join('\r\n');
    const report = await json<{ created: number; updated: number; errors: Array<{ line: number; message: string }> }>(importCsv(csv));
    expect(report.created).toBe(2);
    expect(report.updated).toBe(0);
    expect(report.errors.map((e) => e.line)).toEqual([3, 4, 7, 8]);
    expect(report.errors[0]!.message).toContain('email');
    const smith = await ctx.db.selectFrom('operators').leftJoin('departments', 'departments.id', 'operators.department_id').select(['first_name', 'last_name', 'active', 'departments.name as department']).where('external_id', '=', 'csv-3').executeTakeFirstOrThrow();
    expect(smith).toEqual({ first_name: 'Smith, Jr', last_name: 'multi\nline', active: false, department: 'Sales' });

    const again = await json<{ created: number; updated: number }>(importCsv('external_id,first_name\ncsv-1,Anna\ncsv-3,\n'));
    expect(again).toMatchObject({ created: 0, updated: 2 });
    const ann = await ctx.db.selectFrom('operators').select(['first_name', 'email']).where('external_id', '=', 'csv-1').executeTakeFirstOrThrow();
    expect(ann).toEqual({ first_name: 'Anna', email: 'one@x.com' });
  });

  it('refuses an unknown header column with invalid_csv', async () => {
    const res = await importCsv('external_id,colour\n1,red\n');
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_csv' } });
  });
});

describe('custom fields', () => {
  const define = (body: Record<string, unknown>) => ctx.admin('POST', '/api/v1/admin/custom_fields', body);

  it('defines all nine types with both flags', async () => {
    const types = ['string', 'number', 'enum', 'string_array', 'number_array', 'datetime', 'boolean', 'duration', 'string_url'];
    for (const type of types) {
      const res = await define({ key: `t_${type}`, name: type, type, ...(type === 'enum' ? { options: ['a', 'b'] } : {}), used_for_filtering: true, used_for_evaluation: type === 'number' });
      expect(res.status, type).toBe(201);
    }
    const list = await json<{ items: Array<{ key: string; used_for_evaluation: boolean }> }>(ctx.admin('GET', '/api/v1/admin/custom_fields'));
    expect(list.items.filter((f) => f.key.startsWith('t_'))).toHaveLength(9);
    expect(list.items.find((f) => f.key === 't_number')!.used_for_evaluation).toBe(true);
  });

  it.each([
    [{ key: 'e1', name: 'e', type: 'enum' }, 'options_required', 'options'],
    [{ key: 'e2', name: 'e', type: 'string', options: ['a'] }, 'options_not_allowed', 'options'],
    [{ key: 'has space', name: 'e', type: 'string' }, 'validation_failed', 'key'],
    [{ key: 'k'.repeat(65), name: 'e', type: 'string' }, 'validation_failed', 'key'],
    [{ key: '__proto__', name: 'e', type: 'string' }, 'validation_failed', 'key'],
    [{ key: 'e3', name: 'e', type: 'colour' }, 'validation_failed', 'type'],
  ])('refuses %j with %s at %s', async (body, code, path) => {
    const res = await define(body);
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { code, details: [expect.objectContaining({ path })] } });
  });

  it('changes names, flags and enum options but never the type; archiving keeps stored values', async () => {
    expect((await define({ key: 'stage', name: 'Stage', type: 'enum', options: ['new', 'won'] })).status).toBe(201);
    expect((await define({ key: 'stage', name: 'Again', type: 'string' })).status).toBe(409);
    expect(await json(ctx.admin('PATCH', '/api/v1/admin/custom_fields/stage', { name: 'Deal stage', used_for_filtering: true, options: ['new', 'won', 'lost'] }))).toMatchObject({
      name: 'Deal stage',
      used_for_filtering: true,
      options: ['new', 'won', 'lost'],
    });
    expect(await json(ctx.admin('PATCH', '/api/v1/admin/custom_fields/stage', { options: ['new'] }))).toMatchObject({ error: { code: 'options_removed' } });
    expect(await json(ctx.admin('PATCH', '/api/v1/admin/custom_fields/stage', { type: 'string' }))).toMatchObject({ error: { code: 'type_immutable' } });
    expect((await ctx.admin('PATCH', '/api/v1/admin/custom_fields/missing', { name: 'x' })).status).toBe(404);

    const integration = await createIntegration(ctx, { name: 'cf' });
    await createOperator(ctx, { external_id: 'cf-op' });
    const before = await json<{ id: string }>(postCall(ctx, integration, callBody({ uid: 'cf-a', operator_id: 'cf-op', custom_fields: { stage: 'won' } })));
    expect(await json(ctx.admin('DELETE', '/api/v1/admin/custom_fields/stage'))).toMatchObject({ archived: true });
    const after = await json<{ warnings: Array<{ path: string; code: string }> }>(postCall(ctx, integration, callBody({ uid: 'cf-b', operator_id: 'cf-op', custom_fields: { stage: 'lost' } })));
    expect(after.warnings).toEqual([expect.objectContaining({ path: 'custom_fields.stage', code: 'unknown_field' })]);
    expect(await json(ctx.admin('GET', `/api/v1/communications/${before.id}`))).toMatchObject({ custom_fields: { stage: 'won' } });
  });
});

describe('admin token', () => {
  it('is stored on first start only; a generated one is returned once', async () => {
    expect(await ctx.services.adminAuth.ensureAdminToken('another-admin-token-000000')).toBeUndefined();
    expect((await ctx.app.request('/api/v1/admin/integrations', { headers: { authorization: 'Bearer another-admin-token-000000' } })).status).toBe(401);
    await ctx.db.deleteFrom('admin_tokens').execute();
    const generated = await ctx.services.adminAuth.ensureAdminToken(undefined);
    expect(generated).toMatch(/^esa_[\w-]{40,}$/);
    expect((await ctx.app.request('/api/v1/admin/integrations', { headers: { authorization: `Bearer ${generated}` } })).status).toBe(200);
  });
});
