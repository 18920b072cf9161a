// Pull sources reading servers: a real `cdr` table on Postgres (cdr_pgsql) and on MariaDB (FreePBX's
// asteriskcdrdb.cdr), and local HTTP servers speaking ARI's stored-recordings API and an Oktell
// service script. Legs grouped by linkedid, duplicate rows, late rows inside the overlap, path
// traversal in recordingfile, an unreachable server failing the run without moving the cursor.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, speech } from '../support/audio.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createIntegration, createOperator, type Integration } from '../support/fixtures.js';
import { pbxDir, placeRecording } from '../support/pbx-files.js';

let ctx: TestContext;
let integration: Integration;
let audio: string;

beforeAll(async () => {
  ctx = await createTestContext();
  integration = await createIntegration(ctx, { name: 'FreePBX' });
  for (const ext of ['201', '202', '301']) await createOperator(ctx, { external_id: ext });
  audio = speech('Запись разговора с сервера');
});
afterAll(() => ctx.close());

async function createSource(kind: string, config: Record<string, unknown>) {
  const res = await ctx.admin('POST', '/api/v1/admin/sources', { name: kind, kind, integration_id: integration.id, schedule: '*/1 * * * *', config });
  const body = (await res.json()) as { id: string };
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.id;
}
const run = async (id: string) => (await (await ctx.admin('POST', `/api/v1/admin/sources/${id}/run`)).json()) as { status: string; error: string | null; stats: Record<string, number> };
const call = (uid: string) =>
  ctx.db.selectFrom('communications').select(['id', 'operator_id', 'direction', 'duration_s', 'tags', 'media_state', 'media_error', 'started_at']).where('integration_id', '=', integration.id).where('uid', '=', uid).executeTakeFirst();

/** CDR rows in FreePBX's shape: [calldate, src, dst, billsec, disposition, uniqueid, linkedid, recordingfile]. */
type Row = [string, string, string, number, string, string, string, string];

describe('Asterisk CDR table on Postgres (cdr_pgsql)', () => {
  const recordings = pbxDir();
  let id: string;
  const insert = (rows: Row[]) =>
    Promise.all(rows.map((r) => sql`INSERT INTO cdr (calldate, src, dst, billsec, duration, disposition, uniqueid, linkedid, recordingfile) VALUES (${r[0]}, ${r[1]}, ${r[2]}, ${r[3]}, ${r[3] + 5}, ${r[4]}, ${r[5]}, ${r[6]}, ${r[7]})`.execute(ctx.db)));

  it('groups legs by linkedid, ignores duplicate rows, refuses path traversal in recordingfile', async () => {
    await sql`CREATE TABLE cdr (calldate timestamp NOT NULL, clid text, src text, dst text, dcontext text, channel text, dstchannel text, lastapp text, lastdata text,
      duration int, billsec int, disposition text, amaflags int, accountcode text, uniqueid text, userfield text, linkedid text, sequence int, recordingfile text)`.execute(ctx.db);
    await sql`CREATE INDEX cdr_calldate_idx ON cdr (calldate)`.execute(ctx.db);
    const answered = placeRecording(recordings, audio, { src: '+74957770001', dst: '202', start: '2024-07-01 09:00:00', uniqueid: '1719813600.2' }, 'in');
    await insert([
      ['2024-07-01 09:00:00', '+74957770001', '201', 0, 'NO ANSWER', '1719813600.1', '1719813600.1', ''],
      ['2024-07-01 09:00:00', '+74957770001', '202', 45, 'ANSWERED', '1719813600.2', '1719813600.1', answered],
      ['2024-07-01 09:05:00', '201', '+74957770002', 20, 'ANSWERED', '1719813900.3', '1719813900.3', '../../../../etc/passwd'],
      ['2024-07-01 09:05:00', '201', '+74957770002', 20, 'ANSWERED', '1719813900.3', '1719813900.3', '../../../../etc/passwd'],
      ['2024-07-01 09:07:00', '999', '+74957770003', 10, 'ANSWERED', '1719814020.4', '1719814020.4', ''],
    ]);
    id = await createSource('asterisk_cdr_sql', { url: ctx.url, recordings_dir: recordings, timezone: 'Europe/Moscow', settle_seconds: 0, overlap_seconds: 600 });
    const result = await run(id);
    expect(result).toMatchObject({ status: 'ok', stats: { read: 5, seen_before: 1, created: 2, skipped: 1, missing: 1, recordings: 1 } });
    const chain = await call('1719813600.1');
    expect(chain).toMatchObject({ direction: 'incoming', duration_s: 45, tags: [], media_state: 'ready' });
    expect(chain!.started_at.toISOString()).toBe('2024-07-01T06:00:00.000Z');
    expect(await call('1719813900.3')).toMatchObject({ media_state: 'missing', media_error: expect.stringContaining('not a plain file name') });
    expect(await call('1719814020.4')).toBeUndefined();
  });

  it('re-reads only the overlap window: a long call that ended late (dated earlier) is picked up once', async () => {
    expect((await run(id)).stats).toMatchObject({ read: 5, seen_before: 5, created: 0 });
    await insert([
      ['2024-07-01 09:06:00', '+74957770004', '201', 300, 'ANSWERED', '1719813960.5', '1719813960.5', ''],
      ['2024-07-01 10:00:00', '201', '+74957770005', 0, 'BUSY', '1719817200.6', '1719817200.6', ''],
    ]);
    expect((await run(id)).stats).toMatchObject({ created: 2, missed: 1 });
    expect(await call('1719817200.6')).toMatchObject({ tags: ['missed'], direction: 'outcoming' });
    expect(await call('1719813960.5')).toMatchObject({ duration_s: 300 });
    const source = (await (await ctx.admin('GET', `/api/v1/admin/sources/${id}`)).json()) as { cursor: { time: string } };
    expect(source.cursor.time).toBe('2024-07-01 10:00:00');
    expect((await run(id)).stats).toMatchObject({ read: 1, created: 0 });
  });
});

describe('FreePBX asteriskcdrdb.cdr on MariaDB', () => {
  const database = `earshot_cdr_${randomBytes(4).toString('hex')}`;
  let my: mysql.Connection;
  let served: Server;
  let baseUrl: string;

  beforeAll(async () => {
    my = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', multipleStatements: true });
    await my.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4; USE ${database};
      CREATE TABLE cdr (calldate datetime NOT NULL DEFAULT '0000-00-00 00:00:00', clid varchar(80) NOT NULL DEFAULT '', src varchar(80) NOT NULL DEFAULT '',
        dst varchar(80) NOT NULL DEFAULT '', dcontext varchar(80) NOT NULL DEFAULT '', channel varchar(80) NOT NULL DEFAULT '', dstchannel varchar(80) NOT NULL DEFAULT '',
        lastapp varchar(80) NOT NULL DEFAULT '', lastdata varchar(80) NOT NULL DEFAULT '', duration int(11) NOT NULL DEFAULT 0, billsec int(11) NOT NULL DEFAULT 0,
        disposition varchar(45) NOT NULL DEFAULT '', amaflags int(11) NOT NULL DEFAULT 0, accountcode varchar(20) NOT NULL DEFAULT '', uniqueid varchar(32) NOT NULL DEFAULT '',
        userfield varchar(255) NOT NULL DEFAULT '', did varchar(50) NOT NULL DEFAULT '', recordingfile varchar(255) NOT NULL DEFAULT '', cnum varchar(80) NOT NULL DEFAULT '',
        cnam varchar(80) NOT NULL DEFAULT '', outbound_cnum varchar(80) NOT NULL DEFAULT '', outbound_cnam varchar(80) NOT NULL DEFAULT '', dst_cnam varchar(80) NOT NULL DEFAULT '',
        linkedid varchar(32) NOT NULL DEFAULT '', peeraccount varchar(80) NOT NULL DEFAULT '', sequence int(11) NOT NULL DEFAULT 0,
        KEY calldate (calldate), KEY uniqueid (uniqueid), KEY recordingfile (recordingfile));`);
    const bytes = bytesOf(audio);
    served = createServer((req, res) => (req.url === '/monitor/2024/08/02/out-%2B74958880001-301-20240802-110000-1722585600.1.wav' ? res.writeHead(200).end(bytes) : res.writeHead(404).end()));
    await new Promise<void>((r) => served.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(served.address() as AddressInfo).port}/monitor`;
  });
  afterAll(async () => {
    await my.query(`DROP DATABASE ${database}`);
    await my.end();
    served.close();
  });

  it('pulls rows with recordings served over HTTP, and resumes after its cursor', async () => {
    const insert = (rows: Row[]) =>
      my.query(`INSERT INTO ${database}.cdr (calldate, src, dst, billsec, duration, disposition, uniqueid, linkedid, recordingfile, clid) VALUES ?`, [
        rows.map((r) => [r[0], r[1], r[2], r[3], r[3] + 3, r[4], r[5], r[6], r[7], '"Пётр, ООО Ромашка" <+74958880001>']),
      ]);
    await insert([
      ['2024-08-02 11:00:00', '301', '+74958880001', 61, 'ANSWERED', '1722585600.1', '1722585600.1', 'out-+74958880001-301-20240802-110000-1722585600.1.wav'],
      ['2024-08-02 11:02:00', '+74958880002', '301', 0, 'NO ANSWER', '1722585720.2', '1722585720.2', ''],
      ['2024-08-02 11:03:00', '301', '+74958880003', 12, 'ANSWERED', '1722585780.3', '1722585780.3', 'out-+74958880003-301-20240802-110300-1722585780.3.wav'],
    ]);
    const id = await createSource('asterisk_cdr_sql', { url: `mysql://root@127.0.0.1:3306/${database}`, recordings_url: baseUrl, overlap_seconds: 0, recording_wait_minutes: 0 });
    expect((await run(id)).stats).toMatchObject({ read: 3, created: 3, missed: 1, recordings: 1, missing: 1 });
    expect(await call('1722585600.1')).toMatchObject({ direction: 'outcoming', duration_s: 61, media_state: 'ready' });
    expect(await call('1722585780.3')).toMatchObject({ media_state: 'missing', media_error: expect.stringContaining('HTTP 404') });
    expect((await run(id)).stats).toMatchObject({ read: 0 });
    await insert([['2024-08-02 12:00:00', '+74958880004', '301', 5, 'ANSWERED', '1722589200.4', '1722589200.4', '']]);
    expect((await run(id)).stats).toMatchObject({ read: 1, created: 1 });
  });
});

describe('Asterisk ARI stored recordings and an Oktell service script', () => {
  let pbx: Server;
  let url: string;
  let up = true;
  const stored = [{ name: 'out-+74959990001-202-20240903-101500-1725347700.7', format: 'wav' }];
  const oktellRows: Array<Record<string, unknown> & { Id: string; TimeStart: string }> = [
    { Id: 'a1', IdChain: 'c1', TimeStart: '2024-09-03T10:00:00', TimeStop: '2024-09-03T10:01:30', AOutNumber: '+74959990010', BLineNum: '201', ConnectionType: 5, IsRecorded: 1, ReasonFailed: 0, RecordUrl: '/records/a1.wav' },
    { Id: 'a2', IdChain: 'c2', TimeStart: '2024-09-03T10:05:00', TimeStop: '2024-09-03T10:05:00', AOutNumber: '+74959990011', BLineNum: '201', ConnectionType: 5, IsRecorded: 0, ReasonFailed: 4 },
    { Id: 'a3', TimeStart: 'yesterday' },
  ];

  beforeAll(async () => {
    const bytes = bytesOf(audio);
    const auth = `Basic ${Buffer.from('earshot:pbx-secret').toString('base64')}`;
    pbx = createServer((req, res) => {
      if (!up) return req.socket.destroy();
      if (req.headers.authorization !== auth) return res.writeHead(401).end();
      const u = new URL(req.url!, 'http://x');
      if (u.pathname === '/ari/recordings/stored') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stored));
      if (u.pathname.startsWith('/ari/recordings/stored/') && u.pathname.endsWith('/file')) return res.writeHead(200, { 'content-type': 'audio/wav' }).end(bytes);
      if (u.pathname === '/execsvcscriptplain' && u.searchParams.get('name') === 'earshot_calls') {
        const after = [u.searchParams.get('startparam1')!, u.searchParams.get('startparam2')!];
        const rows = oktellRows.filter((r) => [r.TimeStart, r.Id] > after || (r.TimeStart === after[0] && r.Id > after[1]!)).slice(0, Number(u.searchParams.get('startparam3')));
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rows));
      }
      if (u.pathname === '/records/a1.wav') return res.writeHead(200).end(bytes);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => pbx.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(pbx.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    pbx.closeAllConnections();
    pbx.close();
  });

  it('ARI: each stored recording becomes a call read from its name, once; wrong credentials are refused at creation', async () => {
    const bad = await ctx.admin('POST', '/api/v1/admin/sources', { name: 'ari', kind: 'asterisk_ari', integration_id: integration.id, schedule: '* * * * *', config: { url: `${url}/ari`, username: 'earshot', password: 'wrong' } });
    expect(await bad.json()).toMatchObject({ error: { code: 'source_unreachable', details: [{ path: 'config', message: expect.stringContaining('401') }] } });
    const id = await createSource('asterisk_ari', { url: `${url}/ari`, username: 'earshot', password: 'pbx-secret', timezone: 'Europe/Moscow' });
    const shown = (await (await ctx.admin('GET', `/api/v1/admin/sources/${id}`)).json()) as { config: { password: string } };
    expect(shown.config.password).toBe('********');
    expect((await run(id)).stats).toMatchObject({ read: 1, created: 1, recordings: 1 });
    const taken = await call('1725347700.7');
    expect(taken).toMatchObject({ direction: 'outcoming', media_state: 'ready' });
    expect(taken!.duration_s).toBeGreaterThan(0);
    expect((await run(id)).stats).toMatchObject({ read: 1, seen_before: 1, created: 0 });
  });

  it('Oktell: rows after the cursor, recordings by RecordUrl, failed connections as missed, bad rows reported', async () => {
    const id = await createSource('oktell_http', { url, script: 'earshot_calls', username: 'earshot', password: 'pbx-secret', timezone: 'Europe/Moscow' });
    expect((await run(id)).stats).toMatchObject({ read: 2, created: 2, missed: 1, recordings: 1, rejected: 1 });
    expect(await call('c1')).toMatchObject({ direction: 'incoming', duration_s: 90, media_state: 'ready' });
    expect(await call('c2')).toMatchObject({ tags: ['missed'] });

    up = false;
    const before = (await (await ctx.admin('GET', `/api/v1/admin/sources/${id}`)).json()) as { cursor: unknown };
    const failed = await run(id);
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringContaining('cannot reach') });
    const after = (await (await ctx.admin('GET', `/api/v1/admin/sources/${id}`)).json()) as { cursor: unknown; last_error: string };
    expect(after.cursor).toEqual(before.cursor);
    expect(after.last_error).toContain('cannot reach');
    up = true;
    oktellRows.push({ Id: 'a4', IdChain: 'c4', TimeStart: '2024-09-03T11:00:00', TimeStop: '2024-09-03T11:00:20', AOutNumber: '202', BOutNumber: '+74959990012', ConnectionType: 1, IsRecorded: 0, ReasonFailed: 0 });
    expect(await run(id)).toMatchObject({ status: 'ok', stats: { read: 1, created: 1 } });
    expect(await call('c4')).toMatchObject({ direction: 'outcoming', duration_s: 20 });
  });
});
