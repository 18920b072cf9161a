// Pull-source passwords at rest (issue 16 item 23): an ARI password and the password inside a CDR database
// URL are sealed apart from the config when a source is created or changed, never shown back, and put
// back only to read the source; a row written in the clear before sealing existed is sealed by the
// start-up step, once, and still pulls.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open } from '../../server/domain/secret-box.js';
import { FREEPBX_NAME_PATTERN } from '../../server/sources/asterisk-ari.js';
import { sealPlaintextSecrets } from '../../server/services/source-secrets.js';
import { bytesOf, speech } from '../support/audio.js';
import { createTestContext, SECRET_KEY, type TestContext } from '../support/context.js';
import { createIntegration, createOperator, type Integration } from '../support/fixtures.js';

const ARI_PASSWORD = 'ari-Pa55-sealed-7c1e';
const DB_PASSWORD = 'db-Pa55-sealed-4b9d';

let ctx: TestContext;
let integration: Integration;
let pbx: Server;
let ari = '';

beforeAll(async () => {
  ctx = await createTestContext();
  integration = await createIntegration(ctx, { name: 'FreePBX' });
  await createOperator(ctx, { external_id: '202' });
  const bytes = bytesOf(speech('Запись для проверки пароля'));
  const auth = `Basic ${Buffer.from(`earshot:${ARI_PASSWORD}`).toString('base64')}`;
  const stored = [
    { name: 'out-+74959990001-202-20240903-101500-1725347700.7', format: 'wav' },
    { name: 'out-+74959990002-202-20240903-111500-1725351300.8', format: 'wav' },
  ];
  pbx = createServer((req, res) => {
    if (req.headers.authorization !== auth) return res.writeHead(401).end();
    const path = new URL(req.url!, 'http://x').pathname;
    if (path === '/ari/recordings/stored') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stored));
    if (path.startsWith('/ari/recordings/stored/') && path.endsWith('/file')) return res.writeHead(200, { 'content-type': 'audio/wav' }).end(bytes);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => pbx.listen(0, '127.0.0.1', r));
  ari = `http://127.0.0.1:${(pbx.address() as AddressInfo).port}/ari`;
});
afterAll(async () => {
  pbx.closeAllConnections();
  pbx.close();
  await ctx.close();
});

const stored = (id: string) => ctx.db.selectFrom('sources').select(['config', 'secrets']).where('id', '=', id).executeTakeFirstOrThrow();
/** Everything the sources table holds for a source, as text: no password may appear in it. */
const rowText = async (id: string) => JSON.stringify((await sql`SELECT s.* FROM sources s WHERE id = ${id}`.execute(ctx.db)).rows);
const withPassword = (url: string, password: string) => {
  const u = new URL(url);
  u.password = password;
  return u.toString();
};

describe('pull-source secrets', () => {
  it('seals an ARI password and a database URL password at creation; the API shows them masked; the source still pulls', async () => {
    const res = await ctx.admin('POST', '/api/v1/admin/sources', { name: 'ari', kind: 'asterisk_ari', integration_id: integration.id, schedule: '* * * * *', config: { url: ari, username: 'earshot', password: ARI_PASSWORD } });
    const created = (await res.json()) as { id: string; config: Record<string, unknown> };
    expect(res.status).toBe(201);
    expect(created.config.password).toBe('********');
    expect(await rowText(created.id)).not.toContain(ARI_PASSWORD);
    const row = await stored(created.id);
    expect(row.config).not.toHaveProperty('password');
    expect(open(SECRET_KEY, row.secrets!)).toEqual({ password: ARI_PASSWORD });

    // The test Postgres trusts local connections: the password only has to be in the URL.
    const url = withPassword(ctx.url, DB_PASSWORD);
    await sql`CREATE TABLE cdr (calldate timestamp NOT NULL, src text, dst text, duration int, billsec int, disposition text, uniqueid text, linkedid text, recordingfile text)`.execute(ctx.db);
    const sqlRes = await ctx.admin('POST', '/api/v1/admin/sources', { name: 'cdr', kind: 'asterisk_cdr_sql', integration_id: integration.id, schedule: '* * * * *', config: { url } });
    const sqlSource = (await sqlRes.json()) as { id: string; config: { url: string } };
    expect(sqlRes.status).toBe(201);
    expect(sqlSource.config.url).toBe(withPassword(ctx.url, '********'));
    expect(await rowText(sqlSource.id)).not.toContain(DB_PASSWORD);
    expect((await stored(sqlSource.id)).config.url).toBe(withPassword(ctx.url, ''));

    // An http(s) URL must not carry credentials: HTTP clients refuse it with an error quoting the URL, password and all.
    const inUrl = await ctx.admin('POST', '/api/v1/admin/sources', { name: 'ari', kind: 'asterisk_ari', integration_id: integration.id, schedule: '* * * * *', config: { url: withPassword(ari, ARI_PASSWORD), username: 'earshot', password: ARI_PASSWORD } });
    expect(inUrl.status).toBe(422);
    const refused = await inUrl.text();
    expect(refused).toContain('config.url');
    expect(refused).not.toContain(ARI_PASSWORD);

    const listed = await (await ctx.admin('GET', '/api/v1/admin/sources')).text();
    expect(listed).not.toContain(ARI_PASSWORD);
    expect(listed).not.toContain(DB_PASSWORD);

    const ran = (await (await ctx.admin('POST', `/api/v1/admin/sources/${created.id}/run`)).json()) as { status: string; stats: Record<string, number> };
    expect(ran).toMatchObject({ status: 'ok', stats: { read: 2, created: 2, recordings: 2 } });
    expect(await (await ctx.admin('POST', `/api/v1/admin/sources/${sqlSource.id}/run`)).json()).toMatchObject({ status: 'ok' });

    // The URL sent back as shown (its password masked), with another part changed, keeps the stored password.
    const moved = await ctx.admin('PATCH', `/api/v1/admin/sources/${sqlSource.id}`, { config: { url: `${sqlSource.config.url}?application_name=earshot` } });
    expect(moved.status).toBe(200);
    expect(open(SECRET_KEY, (await stored(sqlSource.id)).secrets!)).toEqual({ url: DB_PASSWORD });
    expect((await stored(sqlSource.id)).config.url).toBe(`${withPassword(ctx.url, '')}?application_name=earshot`);

    // A change of another field keeps the password sealed; a new password replaces it.
    const patched = await ctx.admin('PATCH', `/api/v1/admin/sources/${created.id}`, { config: { timezone: 'Europe/Moscow' } });
    expect(patched.status).toBe(200);
    expect(await rowText(created.id)).not.toContain(ARI_PASSWORD);
    expect(open(SECRET_KEY, (await stored(created.id)).secrets!)).toEqual({ password: ARI_PASSWORD });
    const wrong = await ctx.admin('PATCH', `/api/v1/admin/sources/${created.id}`, { config: { password: 'not-the-password' } });
    expect(await wrong.json()).toMatchObject({ error: { code: 'source_unreachable' } });
  });

  it('the start-up step seals legacy rows that keep their passwords in the clear, once; the sources still pull', async () => {
    const insert = async (kind: 'asterisk_ari' | 'asterisk_cdr_sql', config: Record<string, unknown>) =>
      (await ctx.db.insertInto('sources').values({ name: `legacy ${kind}`, kind, integration_id: integration.id, schedule: '* * * * *', config: JSON.stringify(config) }).returning('id').executeTakeFirstOrThrow()).id;
    const common = { timezone: 'UTC', extension_map: {}, recording_wait_minutes: 0, settle_seconds: 0 };
    const ariId = await insert('asterisk_ari', { ...common, url: ari, username: 'earshot', password: ARI_PASSWORD, name_pattern: FREEPBX_NAME_PATTERN });
    const sqlId = await insert('asterisk_cdr_sql', { ...common, url: withPassword(ctx.url, 'url-Pa55-legacy-1f3a'), table: 'cdr', overlap_seconds: 0 });
    expect(await rowText(ariId)).toContain(ARI_PASSWORD);

    expect(await sealPlaintextSecrets(ctx.db, SECRET_KEY)).toBe(2);
    expect(await rowText(ariId)).not.toContain(ARI_PASSWORD);
    expect(await rowText(sqlId)).not.toContain('url-Pa55-legacy-1f3a');
    expect(open(SECRET_KEY, (await stored(ariId)).secrets!)).toEqual({ password: ARI_PASSWORD });
    expect(open(SECRET_KEY, (await stored(sqlId)).secrets!)).toEqual({ url: 'url-Pa55-legacy-1f3a' });
    expect(await sealPlaintextSecrets(ctx.db, SECRET_KEY)).toBe(0);

    const shown = (await (await ctx.admin('GET', `/api/v1/admin/sources/${sqlId}`)).json()) as { config: { url: string } };
    expect(shown.config.url).toBe(withPassword(ctx.url, '********'));
    const ran = (await (await ctx.admin('POST', `/api/v1/admin/sources/${ariId}/run`)).json()) as { status: string; error: string | null; stats: Record<string, number> };
    expect(ran).toMatchObject({ status: 'ok', error: null, stats: { read: 2 } });
    expect(await (await ctx.admin('POST', `/api/v1/admin/sources/${sqlId}/run`)).json()).toMatchObject({ status: 'ok' });
  });
});
