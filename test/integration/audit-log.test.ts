// The audit log (issue 17, API.md "Audit log"): an entry per read of personal data and per change, with
// actor, client address and user agent, written before the answer; filters, cursor paging and CSV; the
// database refusing UPDATE, DELETE and TRUNCATE; and the hash chain catching a changed or removed entry
// (npm run audit-verify exits 1 naming it).
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, speech } from '../support/audio.js';
import { ADMIN_TOKEN, createTestContext, SECRET_KEY, type TestContext } from '../support/context.js';
import { signIn } from '../support/console.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let ctx: TestContext;
let server: ServerType;
let base: string;
let integration: Integration;
let communicationId: string;
let mediaPath: string;
let mediaId: string;

interface Entry {
  id: string;
  at: string;
  actor: { type: string; id: string | null; email?: string };
  action: string;
  target?: { type: string; id: string };
  ip: string;
  user_agent: string;
  details: Record<string, unknown>;
}

const json = async <T = Record<string, any>>(res: Response | Promise<Response>) => (await (await res).json()) as T;
/** A request through the listening server, from `ip` (loopback is a trusted proxy) with a user agent. */
const call = (token: string | undefined, method: string, url: string, body?: unknown, ip = '203.0.113.7', agent = 'audit-test/1.0') =>
  fetch(`${base}${url}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', 'x-forwarded-for': ip, 'user-agent': agent },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
const admin = (method: string, url: string, body?: unknown) => call(ADMIN_TOKEN, method, url, body);
const entries = async (query: string) => json<{ items: Entry[]; next_cursor: string | null }>(admin('GET', `/api/v1/admin/audit_log?${query}`));

beforeAll(async () => {
  ctx = await createTestContext({ trustedProxies: ['127.0.0.1'] });
  server = serve({ fetch: ctx.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ({ integration } = await seedWorld(ctx));
  const posted = await json<{ id: string }>(postCall(ctx, integration, callBody({ uid: 'audit-1', client: { id: 'client-audit-1', phone: '+74951234567' } })));
  communicationId = posted.id;
  const res = await ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls/audit-1/recording`, {
    method: 'PUT',
    headers: { authorization: integration.token, 'content-type': 'audio/wav' },
    body: bytesOf(speech('Запись для журнала аудита')),
  });
  const { media } = await json<{ media: { id: string; url: string } }>(res);
  mediaId = media.id;
  mediaPath = media.url.replace('http://earshot.test', '');
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await ctx.close();
});

describe('audit log entries', () => {
  it('records communication.viewed with the admin token, address and user agent before answering', async () => {
    expect((await admin('GET', `/api/v1/communications/${communicationId}`)).status).toBe(200);
    const { items } = await entries(`action=communication.viewed&target_id=${communicationId}`);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ actor: { type: 'admin_token', id: null }, action: 'communication.viewed', target: { type: 'communication', id: communicationId }, ip: '203.0.113.7', user_agent: 'audit-test/1.0' });
    // A missing communication is no read of personal data.
    expect((await admin('GET', '/api/v1/communications/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await entries('action=communication.viewed')).items).toHaveLength(1);
  });

  it('records search.performed with the request', async () => {
    expect((await admin('POST', '/api/v1/communications/search', { q: 'журнал' })).status).toBe(200);
    const [entry] = (await entries('action=search.performed')).items;
    expect(entry).toMatchObject({ actor: { type: 'admin_token' }, details: { request: { q: 'журнал' } } });
  });

  it('records client.viewed for an integration reading a client card', async () => {
    expect((await call(integration.token, 'GET', '/api/v1/clients/client-audit-1')).status).toBe(200);
    const [entry] = (await entries('action=client.viewed')).items;
    expect(entry).toMatchObject({ actor: { type: 'integration', id: integration.id }, target: { type: 'client', id: 'client-audit-1' }, ip: '203.0.113.7' });
  });

  it('records one recording.played for the Range requests of one playback, and another for another address', async () => {
    for (const range of ['bytes=0-99', 'bytes=100-199', 'bytes=200-']) {
      expect((await fetch(`${base}${mediaPath}`, { headers: { range, 'x-forwarded-for': '198.51.100.1', 'user-agent': 'player' } })).status).toBe(206);
    }
    await Promise.all([0, 1, 2].map(() => fetch(`${base}${mediaPath}`, { headers: { range: 'bytes=0-9', 'x-forwarded-for': '198.51.100.2', 'user-agent': 'player' } })));
    const { items } = await entries(`action=recording.played&target_id=${mediaId}`);
    expect(items.map((e) => e.ip).sort()).toEqual(['198.51.100.1', '198.51.100.2']);
    expect(items[0]).toMatchObject({ actor: { type: 'signed_url', id: null }, target: { type: 'recording', id: mediaId }, user_agent: 'player' });
  });

  it('records user.created, login.succeeded and login.failed, user.updated and token.created', async () => {
    const created = await json<{ id: string }>(admin('POST', '/api/v1/admin/users', { email: 'auditor@cc.example', name: 'Аудитор', role: 'admin', password: 'correct horse battery' }));
    const failed = await call(undefined, 'POST', '/api/v1/auth/login', { email: 'auditor@cc.example', password: 'wrong password here' }, '192.0.2.10');
    expect(failed.status).toBe(401);
    expect((await call(undefined, 'POST', '/api/v1/auth/login', { email: 'nobody@cc.example', password: 'whatever it is' }, '192.0.2.11')).status).toBe(401);
    const { token } = await json<{ token: string }>(call(undefined, 'POST', '/api/v1/auth/login', { email: 'auditor@cc.example', password: 'correct horse battery' }, '192.0.2.12'));
    expect((await admin('PATCH', `/api/v1/admin/users/${created.id}`, { name: 'Аудитор 2' })).status).toBe(200);
    const personal = await json<{ id: string }>(call(token, 'POST', '/api/v1/me/tokens', { name: 'выгрузка' }));

    expect((await entries('action=user.created')).items[0]).toMatchObject({ actor: { type: 'admin_token' }, target: { type: 'user', id: created.id } });
    const failures = (await entries('action=login.failed')).items;
    expect(failures.map((e) => [e.ip, e.actor.id, e.actor.email])).toEqual([
      ['192.0.2.11', null, 'nobody@cc.example'],
      ['192.0.2.10', created.id, 'auditor@cc.example'],
    ]);
    expect((await entries('action=login.succeeded')).items[0]).toMatchObject({ actor: { type: 'user', id: created.id, email: 'auditor@cc.example' }, ip: '192.0.2.12' });
    expect((await entries('action=user.updated')).items[0]).toMatchObject({ target: { id: created.id }, details: { changed: ['name'] } });
    expect((await entries('action=token.created')).items[0]).toMatchObject({ actor: { type: 'user', id: created.id }, target: { type: 'user_token', id: personal.id } });
    // The actor filter takes a user's id or email.
    expect((await entries('actor=AUDITOR@cc.example')).items.map((e) => e.action)).toEqual(['token.created', 'login.succeeded', 'login.failed']);
  });

  it('records integration.token_rotated and settings.changed (API and console), not failed changes', async () => {
    expect((await admin('POST', `/api/v1/admin/integrations/${integration.id}/rotate_token`)).status).toBe(200);
    expect((await entries('action=integration.token_rotated')).items[0]).toMatchObject({ target: { type: 'integration', id: integration.id } });

    expect((await admin('POST', '/api/v1/admin/custom_fields', { key: 'audit_field', name: 'Audit', type: 'string' })).status).toBe(201);
    expect((await admin('PATCH', '/api/v1/admin/custom_fields/audit_field', { name: 'Audit 2' })).status).toBe(200);
    expect((await admin('POST', '/api/v1/admin/custom_fields', { key: 'audit_field', name: 'Again', type: 'string' })).status).toBe(409);
    const changes = (await entries('action=settings.changed&target_id=audit_field')).items;
    expect(changes.map((e) => [e.details.method, e.target])).toEqual([
      ['PATCH', { type: 'custom_field', id: 'audit_field' }],
      ['POST', { type: 'custom_field', id: 'audit_field' }],
    ]);

    const consoleClient = await signIn(ctx);
    expect((await consoleClient.post('/console/custom-fields/audit_field', { name: 'Audit 3', type: 'string' })).status).toBe(303);
    expect((await entries('action=settings.changed&target_id=audit_field')).items[0]).toMatchObject({ actor: { type: 'admin_token' }, details: { method: 'POST', path: '/console/custom-fields/audit_field' } });
    expect((await consoleClient.get(`/console/communications/${communicationId}`)).status).toBe(200);
    expect((await entries(`action=communication.viewed&target_id=${communicationId}`)).items).toHaveLength(2);
  });
});

describe('GET /api/v1/admin/audit_log', () => {
  it('pages newest first by cursor without gaps or repeats, and filters by time', async () => {
    const all: Entry[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Entry[]; next_cursor: string | null } = await entries(`limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      all.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    const rows = await ctx.db.selectFrom('audit_log').select(['id']).orderBy('seq', 'desc').execute();
    expect(all.map((e) => e.id)).toEqual(rows.map((r) => r.id));
    const middle = all[Math.floor(all.length / 2)]!;
    const since = await entries(`from=${encodeURIComponent(middle.at)}&limit=500`);
    expect(since.items.every((e) => e.at >= middle.at)).toBe(true);
    expect((await entries(`to=${encodeURIComponent(middle.at)}&limit=500`)).items.every((e) => e.at < middle.at)).toBe(true);
  });

  it('answers 422 with the field for bad filters and cursors, and 403 for a non-admin user', async () => {
    expect(await json(admin('GET', '/api/v1/admin/audit_log?action=communication.eaten'))).toMatchObject({ error: { code: 'validation_failed', details: [{ path: 'action' }] } });
    expect(await json(admin('GET', '/api/v1/admin/audit_log?from=yesterday'))).toMatchObject({ error: { details: [{ path: 'from' }] } });
    expect(await json(admin('GET', '/api/v1/admin/audit_log?cursor=bm9wZQ'))).toMatchObject({ error: { code: 'invalid_cursor', details: [{ path: 'cursor' }] } });
    await admin('POST', '/api/v1/admin/users', { email: 'op-sup@cc.example', name: 'Sup', role: 'supervisor', password: 'correct horse battery' });
    const { token } = await json<{ token: string }>(call(undefined, 'POST', '/api/v1/auth/login', { email: 'op-sup@cc.example', password: 'correct horse battery' }, '192.0.2.40'));
    expect((await call(token, 'GET', '/api/v1/admin/audit_log')).status).toBe(403);
    expect((await call(token, 'GET', '/api/v1/admin/audit_log.csv')).status).toBe(403);
  });

  it('exports the filtered log as CSV and logs the export', async () => {
    const res = await admin('GET', '/api/v1/admin/audit_log.csv?action=login.failed');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const records = parse(await res.text(), { columns: true }) as Array<Record<string, string>>;
    expect(records.map((r) => [r.action, r.ip, r.actor_email])).toEqual([
      ['login.failed', '192.0.2.11', 'nobody@cc.example'],
      ['login.failed', '192.0.2.10', 'auditor@cc.example'],
    ]);
    expect(JSON.parse(records[0]!.details!)).toEqual({ email: 'nobody@cc.example' });
    expect((await entries('action=export.downloaded')).items[0]).toMatchObject({ target: { type: 'audit_log', id: 'csv' }, details: { filter: { action: 'login.failed' } } });
  });
});

describe('console Audit log page', () => {
  it('lists filtered entries with a CSV link, answers 422 for a bad filter, and is for admins only', async () => {
    const owner = await signIn(ctx);
    const page = await owner.get('/console/audit-log?action=login.failed&actor=&from=');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('nobody@cc.example');
    expect(html).toContain('192.0.2.10');
    expect(html).not.toContain('communication.viewed</td>');
    expect(html).toContain('href="/console/audit-log/export.csv?action=login.failed"');
    const csv = await owner.get('/console/audit-log/export.csv?action=login.failed');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((parse(await csv.text(), { columns: true }) as unknown[]).length).toBe(2);
    expect((await owner.get('/console/audit-log?from=tomorrow')).status).toBe(422);
    const supervisor = await signIn(ctx, { email: 'op-sup@cc.example', password: 'correct horse battery' });
    expect((await supervisor.get('/console/audit-log')).status).toBe(403);
    expect((await supervisor.get('/console/audit-log/export.csv')).status).toBe(403);
  });
});

describe('append-only and the hash chain', () => {
  const verifyCli = () =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/audit-verify.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: ctx.url, EARSHOT_SECRET_KEY: SECRET_KEY, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(sql`UPDATE audit_log SET ip = '0.0.0.0'`.execute(ctx.db)).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(sql`DELETE FROM audit_log`.execute(ctx.db)).rejects.toThrow(/append-only: DELETE refused/);
    await expect(sql`TRUNCATE audit_log`.execute(ctx.db)).rejects.toThrow(/append-only: TRUNCATE refused/);
  });

  it('concurrent writers keep one gapless chain that audit-verify accepts', async () => {
    await Promise.all(Array.from({ length: 40 }, () => admin('GET', `/api/v1/communications/${communicationId}`)));
    const seqs = (await ctx.db.selectFrom('audit_log').select('seq').orderBy('seq').execute()).map((r) => Number(r.seq));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(await ctx.services.auditLog.verify()).toMatchObject({ checked: seqs.length, head: { seq: seqs.length } });
    const run = verifyCli();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`audit log intact: ${seqs.length} entries`);
    expect(run.stderr).toMatch(/verifying audit log: \d+\/\d+ \(100\.0%\)/);
  });

  it('a changed entry is reported by audit-verify (exit 1, the entry named)', async () => {
    const victim = await ctx.db.selectFrom('audit_log').select([sql<number>`seq::int`.as('seq'), 'id']).where('action', '=', 'login.failed').orderBy('seq').limit(1).executeTakeFirstOrThrow();
    await tamper(sql`UPDATE audit_log SET ip = '10.9.9.9' WHERE seq = ${victim.seq}`);
    const run = verifyCli();
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`entry seq ${victim.seq} (id ${victim.id}): hash_mismatch`);
    expect((await ctx.services.auditLog.verify()).broken).toMatchObject({ seq: victim.seq, reason: 'hash_mismatch' });
    await tamper(sql`UPDATE audit_log SET ip = '192.0.2.10' WHERE seq = ${victim.seq}`);
    expect((await ctx.services.auditLog.verify()).broken).toBeUndefined();
  });

  it('a deleted entry is reported as a sequence gap', async () => {
    const victim = await ctx.db.selectFrom('audit_log').select([sql<number>`seq::int`.as('seq')]).where('action', '=', 'user.created').orderBy('seq').limit(1).executeTakeFirstOrThrow();
    const row = await ctx.db.selectFrom('audit_log').select(['seq', 'id', 'at', 'actor_type', 'actor_id', 'actor_email', 'action', 'target_type', 'target_id', 'ip', 'user_agent', 'details', 'prev_hash', 'hash']).where('seq', '=', victim.seq).executeTakeFirstOrThrow();
    await tamper(sql`DELETE FROM audit_log WHERE seq = ${victim.seq}`);
    const run = verifyCli();
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`entry seq ${victim.seq + 1}`);
    expect(run.stdout).toContain(`sequence_gap, expected ${victim.seq}, found ${victim.seq + 1}`);
    await tamper(sql`INSERT INTO audit_log SELECT * FROM json_populate_record(NULL::audit_log, ${JSON.stringify(row)}::json)`);
    expect((await ctx.services.auditLog.verify()).broken).toBeUndefined();
  });
});

/** Runs a statement with the append-only trigger off, as a superuser tampering with the database would. */
async function tamper(statement: ReturnType<typeof sql>): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`.execute(trx);
    await statement.execute(trx);
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`.execute(trx);
  });
}
