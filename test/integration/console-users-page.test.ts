// The console's Users page (issue 17): an admin creates a user and is shown the one-time invite link once,
// refusals land beside their field, deactivation from the list ends that user's session at once, the page
// speaks the admin's language (Russian plurals), and other roles cannot open it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.js';
import { signIn, type ConsoleClient } from '../support/console.js';

let ctx: TestContext;
let admin: ConsoleClient;
let department: string;

beforeAll(async () => {
  ctx = await createTestContext();
  department = ((await (await ctx.admin('POST', '/api/v1/admin/departments', { name: 'Продажи' })).json()) as { id: string }).id;
  await ctx.admin('POST', '/api/v1/admin/users', { email: 'chief@cc.example', name: 'Шеф', role: 'admin', locale: 'ru', password: 'chief password 1' });
  admin = await signIn(ctx, { email: 'chief@cc.example', password: 'chief password 1' });
});
afterAll(() => ctx.close());

describe('console users page', () => {
  it('creates a supervisor, shows the invite link once, and lists the user in Russian', async () => {
    const created = await admin.post('/console/users', { email: 'sup@cc.example', name: 'Света', role: 'supervisor', department_id: department, operator_id: '' });
    expect(created.status).toBe(200);
    const html = await created.text();
    const link = /<code>(http:\/\/earshot\.test\/console\/invite\/esi_[\w-]{43})<\/code>/.exec(html)?.[1];
    expect(link).toBeDefined();
    expect(html).toContain('Передайте эту одноразовую ссылку sup@cc.example');
    expect(html).toContain('2 пользователя');
    expect(html).toContain('Супервайзер');
    expect(html).toContain('<td>Продажи</td>');
    expect((await ctx.app.request(new URL(link!).pathname)).status).toBe(200);
    const again = await (await admin.get('/console/users')).text();
    expect(again).not.toContain('/console/invite/');
  });

  it('shows a refusal beside its field', async () => {
    const operatorWithout = await admin.post('/console/users', { email: 'op@cc.example', name: 'Op', role: 'operator', department_id: '', operator_id: '' });
    expect(operatorWithout.status).toBe(422);
    expect(await operatorWithout.text()).toMatch(/id="f-operator_id-error"[^>]*>required for role operator/);
    const duplicate = await admin.post('/console/users', { email: 'SUP@cc.example', name: 'Dup', role: 'admin', department_id: '', operator_id: '' });
    expect(duplicate.status).toBe(422);
    expect(await duplicate.text()).toContain('sup@cc.example');
  });

  it('deactivates a user from the list, ending their console session at once', async () => {
    const created = (await (await ctx.admin('POST', '/api/v1/admin/users', { email: 'leaver@cc.example', name: 'Leaver', role: 'supervisor', password: 'leaver password' })).json()) as { id: string };
    const leaver = await signIn(ctx, { email: 'leaver@cc.example', password: 'leaver password' });
    expect((await leaver.get('/console/communications')).status).toBe(200);
    expect((await leaver.get('/console/users')).status).toBe(403);
    const done = await admin.post(`/console/users/${created.id}/deactivate`, {});
    expect(done.status).toBe(303);
    expect((await leaver.get('/console/communications')).status).toBe(303);
    expect(await (await admin.get('/console/users')).text()).toContain(`/console/users/${created.id}/activate`);
    const audit = (await (await ctx.admin('GET', `/api/v1/admin/audit_log?action=user.updated&target_id=${created.id}`)).json()) as { items: unknown[] };
    expect(audit.items).toHaveLength(1);
  });
});
