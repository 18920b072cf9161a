// A FreePBX 16 `cdr` table on MariaDB (Europe/Berlin) pulled with page sizes that put a page boundary
// inside every group of rows: queue calls (one calldate and uniqueid, sequence 0/1/2, the agent only
// in dstchannel), transfers (an operator leg next to a longer non-operator leg; a second leg written
// at hangup, after the first run), a call longer than the 1 h overlap written behind the cursor, the
// repeated hour of the October DST change, an unrecorded call (recordingfile ''), and caller ids that
// are Object.prototype member names. Every call is imported once with its operator, start and recordings.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PullSources, type RunStats } from '../../server/services/pull-sources.js';
import { openSource } from '../../server/sources/open-source.js';
import { speech } from '../support/audio.js';
import { createTestContext, SECRET_KEY, type TestContext } from '../support/context.js';
import { createIntegration, createOperator } from '../support/fixtures.js';
import { pbxDir, placeRecording } from '../support/pbx-files.js';

const PAGE_SIZES = [1, 2, 3, 5, 7, 500];
const database = `earshot_freepbx_${randomBytes(4).toString('hex')}`;
let ctx: TestContext;
let my: mysql.Connection;
const recordings = pbxDir();
const operators = new Map<string, string>();

/** A FreePBX cdr row: what a test names, the rest as FreePBX leaves it. */
interface Cdr {
  calldate: string;
  src: string;
  dst: string;
  uniqueid: string;
  linkedid?: string;
  sequence?: number;
  billsec: number;
  disposition?: string;
  channel?: string;
  dstchannel?: string;
  cnum?: string;
  dstCnam?: string;
  recordingfile?: string;
}

async function insert(rows: Cdr[]) {
  await my.query(
    `INSERT INTO ${database}.cdr (calldate, clid, src, dst, dcontext, channel, dstchannel, lastapp, duration, billsec, disposition, uniqueid, did, recordingfile, cnum, cnam, dst_cnam, linkedid, sequence) VALUES ?`,
    [
      rows.map((r) => [
        r.calldate, `"${r.src}" <${r.src}>`, r.src, r.dst, 'from-internal', r.channel ?? `PJSIP/${r.src}-00000001`, r.dstchannel ?? `PJSIP/${r.dst}-00000002`, 'Dial',
        r.billsec + 5, r.billsec, r.disposition ?? 'ANSWERED', r.uniqueid, '', r.recordingfile ?? '', r.cnum ?? r.src, r.src, r.dstCnam ?? '', r.linkedid ?? r.uniqueid, r.sequence ?? 0,
      ]),
    ],
  );
}

/** A recording as FreePBX names it, placed in the monitor folder; its name goes in recordingfile. */
const record = (audio: string, c: { src: string; dst: string; calldate: string; uniqueid: string }) => placeRecording(recordings, audio, { ...c, start: c.calldate }, 'in');
/** The sha256 of the recording placed for a call. */
async function sha(c: { calldate: string }, name: string) {
  const file = path.join(recordings, ...c.calldate.slice(0, 10).split('-'), name);
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

let audio: string[];
const Q = { calldate: '2024-07-01 09:00:00', src: '+4930111', dst: '400', uniqueid: '1719817200.11' };
// The last call of the first run (its second leg is written at hangup, after that run).
const T1 = { calldate: '2024-10-27 03:10:00', src: '+4930222', dst: '201', uniqueid: '1729995000.21' };
const T2 = { calldate: '2024-10-27 03:10:45', src: '+4930222', dst: '202', uniqueid: '1729995045.22' };
const X1 = { calldate: '2024-07-01 09:20:00', src: '+4930333', dst: '201', uniqueid: '1719818400.31' };
const X2 = { calldate: '2024-07-01 09:20:35', src: '+4930333', dst: '999', uniqueid: '1719818435.32' };
const names = new Map<string, string>();

beforeAll(async () => {
  ctx = await createTestContext();
  for (const ext of ['115', '116', '201', '202']) operators.set(ext, (await createOperator(ctx, { external_id: ext })).id);
  audio = ['Первая запись', 'Вторая запись', 'Третья запись', 'Четвёртая запись'].map((t) => speech(t));
  names.set('Q', record(audio[0]!, Q));
  names.set('T1', record(audio[1]!, T1));
  names.set('T2', record(audio[2]!, T2));
  names.set('X1', record(audio[3]!, X1));
  my = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', multipleStatements: true });
  // FreePBX 16's asteriskcdrdb.cdr (cdr module install.php): no primary key.
  await my.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4; USE ${database};
    CREATE TABLE cdr (calldate datetime NOT NULL DEFAULT '0000-00-00 00:00:00', clid varchar(80) NOT NULL DEFAULT '', src varchar(80) NOT NULL DEFAULT '',
      dst varchar(80) NOT NULL DEFAULT '', dcontext varchar(80) NOT NULL DEFAULT '', channel varchar(80) NOT NULL DEFAULT '', dstchannel varchar(80) NOT NULL DEFAULT '',
      lastapp varchar(80) NOT NULL DEFAULT '', lastdata varchar(80) NOT NULL DEFAULT '', duration int(11) NOT NULL DEFAULT 0, billsec int(11) NOT NULL DEFAULT 0,
      disposition varchar(45) NOT NULL DEFAULT '', amaflags int(11) NOT NULL DEFAULT 0, accountcode varchar(20) NOT NULL DEFAULT '', uniqueid varchar(32) NOT NULL DEFAULT '',
      userfield varchar(255) NOT NULL DEFAULT '', did varchar(50) NOT NULL DEFAULT '', recordingfile varchar(255) NOT NULL DEFAULT '', cnum varchar(80) NOT NULL DEFAULT '',
      cnam varchar(80) NOT NULL DEFAULT '', outbound_cnum varchar(80) NOT NULL DEFAULT '', outbound_cnam varchar(80) NOT NULL DEFAULT '', dst_cnam varchar(80) NOT NULL DEFAULT '',
      linkedid varchar(32) NOT NULL DEFAULT '', peeraccount varchar(80) NOT NULL DEFAULT '', sequence int(11) NOT NULL DEFAULT 0,
      KEY calldate (calldate), KEY dst (dst), KEY accountcode (accountcode), KEY uniqueid (uniqueid), KEY did (did), KEY recordingfile (recordingfile));`);
  await insert([
    // Queue 400: three agents rung at once, one row each with the same calldate and uniqueid; 116 answered.
    { ...Q, sequence: 0, billsec: 0, disposition: 'NO ANSWER', dstchannel: 'Local/115@from-queue-00000001;1' },
    { ...Q, sequence: 1, billsec: 95, dstchannel: 'Local/116@from-queue-00000002;1', recordingfile: names.get('Q')! },
    { ...Q, sequence: 2, billsec: 0, disposition: 'NO ANSWER', dstchannel: 'Local/117@from-queue-00000003;1' },
    // Answered by 201, transferred to 202 (the second leg is written at hangup: see the second run).
    { ...T1, billsec: 40, recordingfile: names.get('T1')! },
    // Answered by 201, transferred to 999 (voicemail, no operator) which holds the call much longer.
    { ...X1, billsec: 30, recordingfile: names.get('X1')! },
    { ...X2, linkedid: X1.uniqueid, billsec: 600, dstchannel: 'Local/999@from-internal-00000009;1' },
    // 2.5 h outgoing call from 201 behind the outbound caller id; not recorded.
    { calldate: '2024-07-01 09:30:00', src: '+4930999000', cnum: '201', channel: 'PJSIP/201-00000020', dst: '+4930444', uniqueid: '1719819000.41', billsec: 9000 },
    // Answered, not recorded (recordingfile '' while recordings_dir is set).
    { calldate: '2024-07-01 09:45:00', src: '+4930777', dst: '202', uniqueid: '1719819900.65', billsec: 20 },
    // Caller ids that name Object.prototype members.
    { calldate: '2024-07-01 09:40:00', src: 'constructor', dst: '201', uniqueid: '1719819600.61', billsec: 5 },
    { calldate: '2024-07-01 09:41:00', src: '__proto__', dst: '202', uniqueid: '1719819660.62', billsec: 5 },
    { calldate: '2024-07-01 09:42:00', src: '201', dst: 'toString', uniqueid: '1719819720.63', billsec: 5 },
    { calldate: '2024-07-01 09:43:00', src: 'hasOwnProperty', dst: 'valueOf', uniqueid: '1719819780.64', billsec: 5, cnum: '202', channel: 'PJSIP/202-00000030' },
    // 02:30 happens twice in Berlin on 2024-10-27: at 00:30Z (CEST) and at 01:30Z (CET).
    { calldate: '2024-10-27 02:30:00', src: '+4930555', dst: '202', uniqueid: '1729989000.51', billsec: 10 },
    { calldate: '2024-10-27 02:30:00', src: '+4930556', dst: '202', uniqueid: '1729992600.52', billsec: 10 },
  ]);
});
afterAll(async () => {
  await my?.query(`DROP DATABASE IF EXISTS ${database}`);
  await my?.end();
  await ctx?.close();
});

const pulls = new Map<number, { integration: string; source: string; runs: RunStats[] }>();
const pull = (pageSize: number) => new PullSources(ctx.db, ctx.services.callIngest, ctx.services.recordings, openSource, SECRET_KEY, { pageSize, concurrency: 4 }).run(pulls.get(pageSize)!.source);

async function calls(integration: string) {
  const rows = await ctx.db
    .selectFrom('communications as c')
    .leftJoin('media as m', 'm.id', 'c.media_id')
    .select(['c.uid', 'c.operator_id', 'c.direction', 'c.started_at', 'c.duration_s', 'c.tags', 'c.media_state', 'c.client_phone_raw', 'm.sha256'])
    .where('c.integration_id', '=', integration)
    .execute();
  return new Map(rows.map((r) => [r.uid, r]));
}
const legMedia = (source: string, key: string) =>
  ctx.db.selectFrom('source_records as r').leftJoin('media as m', 'm.id', 'r.media_id').select(['m.sha256', 'r.state']).where('r.source_id', '=', source).where('r.record_key', '=', key).executeTakeFirst();

describe('FreePBX 16 cdr on MariaDB, page boundaries inside every group', () => {
  it('imports every call once: queue agent from dstchannel, operator legs of transfers, DST hour by uniqueid, no media for recordingfile ""', async () => {
    for (const size of PAGE_SIZES) {
      const integration = (await createIntegration(ctx, { name: `FreePBX ${size}` })).id;
      const res = await ctx.admin('POST', '/api/v1/admin/sources', {
        name: `FreePBX ${size}`, kind: 'asterisk_cdr_sql', integration_id: integration, schedule: '*/5 * * * *',
        config: { url: `mysql://root@127.0.0.1:3306/${database}`, recordings_dir: recordings, timezone: 'Europe/Berlin', settle_seconds: 0, recording_wait_minutes: 0 },
      });
      expect(res.status, await res.clone().text()).toBe(201);
      const source = ((await res.json()) as { id: string }).id;
      pulls.set(size, { integration, source, runs: [] });
      pulls.get(size)!.runs.push(await pull(size));
      const got = await calls(integration);
      const at = `page size ${size}`;
      expect(pulls.get(size)!.runs[0], at).toMatchObject({ read: 14, rejected: 0, created: 11, skipped: 0 });
      expect(got.size, at).toBe(11);
      // 21.2 + 21.3: the queue call is 116's (dstchannel Local/116@from-queue), answered, with its recording.
      expect(got.get(Q.uniqueid), `${at}: 21.2/21.3 queue call`).toMatchObject({ operator_id: operators.get('116'), direction: 'incoming', duration_s: 95, tags: [], media_state: 'ready', sha256: await sha(Q, names.get('Q')!) });
      // 21.6: 201's leg speaks for the call although 999 held it longer; the start is the first leg's.
      expect(got.get(X1.uniqueid), `${at}: 21.6 operator leg first`).toMatchObject({ operator_id: operators.get('201'), duration_s: 30, media_state: 'ready' });
      expect(got.get(X1.uniqueid)?.started_at.toISOString(), `${at}: 21.6 first leg's start`).toBe('2024-07-01T07:20:00.000Z');
      expect(got.get(T1.uniqueid), at).toMatchObject({ operator_id: operators.get('201'), duration_s: 40, media_state: 'ready' });
      // 21.3: the outgoing call's operator is cnum (src is the outbound caller id); 21.8: no recording is not "missing".
      expect(got.get('1719819000.41'), `${at}: 21.3 cnum`).toMatchObject({ operator_id: operators.get('201'), direction: 'outcoming', duration_s: 9000, media_state: null, client_phone_raw: '+4930444' });
      expect(got.get('1719819900.65'), `${at}: 21.8 recordingfile ''`).toMatchObject({ operator_id: operators.get('202'), media_state: null });
      // 16.18: prototype member names are plain parties.
      expect(got.get('1719819600.61'), `${at}: 16.18`).toMatchObject({ operator_id: operators.get('201'), client_phone_raw: 'constructor' });
      expect(got.get('1719819660.62'), `${at}: 16.18`).toMatchObject({ operator_id: operators.get('202'), client_phone_raw: '__proto__' });
      expect(got.get('1719819720.63'), `${at}: 16.18`).toMatchObject({ operator_id: operators.get('201'), client_phone_raw: 'toString' });
      expect(got.get('1719819780.64'), `${at}: 16.18`).toMatchObject({ operator_id: operators.get('202'), client_phone_raw: 'valueOf' });
      // 21.8: the repeated 02:30 is told apart by the uniqueid's epoch.
      expect(got.get('1729989000.51')?.started_at.toISOString(), `${at}: 21.8 DST`).toBe('2024-10-27T00:30:00.000Z');
      expect(got.get('1729992600.52')?.started_at.toISOString(), `${at}: 21.8 DST`).toBe('2024-10-27T01:30:00.000Z');
      // Each row was logged once, none skipped.
      const logged = await ctx.db.selectFrom('source_records').select(['state']).where('source_id', '=', source).execute();
      expect(logged.length, at).toBe(14);
    }
  });

  it('the next run reads a transfer leg and a 2 h call written behind the cursor, keeping every leg recording', async () => {
    // Written at hangup: the transfer's second leg, and a 2 h call that started 2 h 10 min before the cursor's row.
    await insert([
      { ...T2, linkedid: T1.uniqueid, billsec: 120, recordingfile: names.get('T2')! },
      { calldate: '2024-10-27 01:00:00', src: '+4930666', dst: '201', uniqueid: '1729983600.71', billsec: 7200 },
    ]);
    for (const size of PAGE_SIZES) {
      const { integration, source, runs } = pulls.get(size)!;
      const at = `page size ${size}`;
      runs.push(await pull(size));
      expect(runs[1], at).toMatchObject({ created: 1, updated: 1, rejected: 0, skipped: 0 });
      const got = await calls(integration);
      expect(got.size, at).toBe(12);
      expect(got.get('1729983600.71'), `${at}: 21.5 long call`).toMatchObject({ operator_id: operators.get('201'), duration_s: 7200 });
      // The transfer: 202 held it longest; it started with the first leg; it plays the first leg's
      // recording and the second leg's is kept on its record.
      const transfer = got.get(T1.uniqueid)!;
      expect(transfer, `${at}: 21.6 transfer`).toMatchObject({ operator_id: operators.get('202'), duration_s: 120, media_state: 'ready', sha256: await sha(T1, names.get('T1')!) });
      expect(transfer.started_at.toISOString(), `${at}: 21.6 transfer start`).toBe('2024-10-27T02:10:00.000Z');
      expect(await legMedia(source, `${T2.uniqueid}:0`), at).toEqual({ state: 'done', sha256: await sha(T2, names.get('T2')!) });
      expect(await legMedia(source, `${T1.uniqueid}:0`), at).toEqual({ state: 'done', sha256: await sha(T1, names.get('T1')!) });
      expect(await pull(size), at).toMatchObject({ created: 0, updated: 0 });
    }
  });

  it('party_patterns are checked when saved (422 at the field) and replace the defaults', async () => {
    const integration = (await createIntegration(ctx, { name: 'FreePBX patterns' })).id;
    const create = (party_patterns: unknown) =>
      ctx.admin('POST', '/api/v1/admin/sources', {
        name: 'patterns', kind: 'asterisk_cdr_sql', integration_id: integration, schedule: '*/5 * * * *',
        config: { url: `mysql://root@127.0.0.1:3306/${database}`, timezone: 'Europe/Berlin', party_patterns },
      });
    for (const [bad, field] of [
      [{ from: [], to: [{ column: 'dst_cnam', pattern: '(' }] }, 'config.party_patterns.to[0].pattern'],
      [{ from: [], to: [{ column: 'dst_cnam', pattern: '^\\d+$' }] }, 'config.party_patterns.to[0].pattern'],
      [{ from: [{ column: 'constructor', pattern: '(\\d+)' }], to: [] }, 'config.party_patterns.from[0].column'],
    ] as const) {
      const res = await create(bad);
      expect(res.status).toBe(422);
      const body = (await res.json()) as { error: { details: Array<{ path: string }> } };
      expect(body.error.details.map((d) => d.path), JSON.stringify(body)).toContain(field);
    }
    await insert([{ calldate: '2024-10-27 03:20:00', src: '+4930888', dst: '401', uniqueid: '1729995600.81', billsec: 15, dstchannel: 'Local/ringgroup@from-internal', dstCnam: 'Agent 115' }]);
    const res = await create({ from: [], to: [{ column: 'dst_cnam', pattern: '^Agent (\\d+)$' }] });
    expect(res.status, await res.clone().text()).toBe(201);
    const stats = await new PullSources(ctx.db, ctx.services.callIngest, ctx.services.recordings, openSource, SECRET_KEY, { pageSize: 4 }).run(((await res.json()) as { id: string }).id);
    const got = await calls(integration);
    expect(got.get('1729995600.81')).toMatchObject({ operator_id: operators.get('115'), direction: 'incoming' });
    // Without the default dstchannel rules the queue call has no operator.
    expect(got.get(Q.uniqueid)).toBeUndefined();
    expect(stats).toMatchObject({ read: 17, rejected: 0 });
  });
});

describe('cdr_pgsql on Postgres, the same total order', () => {
  it('reads every sequence row of a queue call with one row per page', async () => {
    await sql`CREATE TABLE cdr (calldate timestamp NOT NULL, clid text, src text, dst text, channel text, dstchannel text, duration int, billsec int,
      disposition text, uniqueid text, linkedid text, sequence int, recordingfile text)`.execute(ctx.db);
    const rows = [
      [0, 'NO ANSWER', 0, 'Local/115@from-queue-00000001;1'],
      [1, 'NO ANSWER', 0, 'Local/201@from-queue-00000002;1'],
      [2, 'ANSWERED', 61, 'Local/116@from-queue-00000003;1'],
    ] as const;
    for (const [sequence, disposition, billsec, dstchannel] of rows) {
      await sql`INSERT INTO cdr VALUES ('2024-07-02 10:00:00', '', '+4930999', '400', 'PJSIP/trunk-1', ${dstchannel}, ${billsec + 5}, ${billsec}, ${disposition}, '1719907200.5', '1719907200.5', ${sequence}, '')`.execute(ctx.db);
    }
    const integration = (await createIntegration(ctx, { name: 'cdr_pgsql' })).id;
    const res = await ctx.admin('POST', '/api/v1/admin/sources', {
      name: 'pg', kind: 'asterisk_cdr_sql', integration_id: integration, schedule: '*/5 * * * *', config: { url: ctx.url, timezone: 'Europe/Berlin', overlap_seconds: 0 },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const id = ((await res.json()) as { id: string }).id;
    const run = () => new PullSources(ctx.db, ctx.services.callIngest, ctx.services.recordings, openSource, SECRET_KEY, { pageSize: 1 }).run(id);
    expect(await run()).toMatchObject({ read: 3, created: 1, skipped: 0 });
    expect((await calls(integration)).get('1719907200.5')).toMatchObject({ operator_id: operators.get('116'), duration_s: 61, tags: [] });
    expect(await run()).toMatchObject({ read: 0, created: 0 });
  });
});

