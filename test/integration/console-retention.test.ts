// The console's Retention page (issue 17): shows the default and each integration's periods, saves a
// default and one integration's own periods (empty = keep forever), refuses a bad number beside its field,
// records settings.changed, and is for admins only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.js';
import { signIn, type ConsoleClient } from '../support/console.js';
import { seedWorld, type Integration } from '../support/fixtures.js';

let ctx: TestContext;
let admin: ConsoleClient;
let integration: Integration;

beforeAll(async () => {
  ctx = await createTestContext();
  ({ integration } = await seedWorld(ctx));
  admin = await signIn(ctx);
});
afterAll(() => ctx.close());

describe('console retention page', () => {
  it('saves the default and an integration’s own periods, and shows them back', async () => {
    const saved = await admin.post('/console/retention', {
      'default.recordings_days': '180',
      'default.transcripts_days': '',
      'default.communications_days': '1095',
      [`own.${integration.id}`]: 'true',
      [`${integration.id}.recordings_days`]: '30',
      [`${integration.id}.transcripts_days`]: '',
      [`${integration.id}.communications_days`]: '',
    });
    expect(saved.status).toBe(303);
    expect(await (await ctx.admin('GET', '/api/v1/admin/retention')).json()).toEqual({
      default: { recordings_days: 180, transcripts_days: null, communications_days: 1095 },
      integrations: { [integration.id]: { recordings_days: 30, transcripts_days: null, communications_days: null } },
    });
    const html = await (await admin.get('/console/retention?saved=1')).text();
    expect(html).toContain('Saved.');
    expect(html).toMatch(/name="default\.recordings_days"[^>]*value="180"/);
    expect(html).toMatch(new RegExp(`name="${integration.id}\\.recordings_days"[^>]*value="30"`));
    const audit = (await (await ctx.admin('GET', '/api/v1/admin/audit_log?action=settings.changed')).json()) as { items: Array<{ details: { path: string } }> };
    expect(audit.items.some((e) => e.details.path === '/console/retention')).toBe(true);
  });

  it('refuses a bad number beside its field and keeps the settings', async () => {
    const refused = await admin.post('/console/retention', { 'default.recordings_days': '0', 'default.transcripts_days': 'abc', 'default.communications_days': '' });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toMatch(/id="f-default_recordings_days-error"[^>]*>a whole number of days/);
    expect(html).toMatch(/id="f-default_transcripts_days-error"/);
    expect(((await (await ctx.admin('GET', '/api/v1/admin/retention')).json()) as { default: { recordings_days: number } }).default.recordings_days).toBe(180);
  });

  it('dropping an integration’s own periods makes it use the default; other roles are refused', async () => {
    expect((await admin.post('/console/retention', { 'default.recordings_days': '90' })).status).toBe(303);
    expect(await (await ctx.admin('GET', '/api/v1/admin/retention')).json()).toEqual({ default: { recordings_days: 90, transcripts_days: null, communications_days: null }, integrations: {} });
    await ctx.admin('POST', '/api/v1/admin/users', { email: 'sup@cc.example', name: 'Sup', role: 'supervisor', password: 'sup password 12' });
    const supervisor = await signIn(ctx, { email: 'sup@cc.example', password: 'sup password 12' });
    expect((await supervisor.get('/console/retention')).status).toBe(403);
    expect((await supervisor.post('/console/retention', { 'default.recordings_days': '1' })).status).toBe(403);
  });
});
