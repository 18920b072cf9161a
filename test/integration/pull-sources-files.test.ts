// Pull sources reading files: an Asterisk Master.csv plus a MixMonitor recordings folder — cursor,
// duplicates, quoted commas and windows-1251 names, missed calls, late and missing recordings, a crash
// mid-run, bad configs answered 422 at creation.
import { appendFileSync, copyFileSync, renameSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { PostgresSignals } from '../../server/db/signals.js';
import { SourceJobs } from '../../server/jobs/source-jobs.js';
import { createLogger } from '../../server/logger.js';
import { openSource } from '../../server/sources/open-source.js';
import { PullSources } from '../../server/services/pull-sources.js';
import { soxDuration, speech } from '../support/audio.js';
import { createTestContext, SECRET_KEY, type TestContext } from '../support/context.js';
import { createIntegration, createOperator, type Integration } from '../support/fixtures.js';
import { cdrLine, pbxDir, placeRecording } from '../support/pbx-files.js';

let ctx: TestContext;
let integration: Integration;
let audio: string;

beforeAll(async () => {
  ctx = await createTestContext();
  integration = await createIntegration(ctx, { name: 'Asterisk' });
  await createOperator(ctx, { external_id: '201', first_name: 'Anna' });
  await createOperator(ctx, { external_id: 'olga@corp', first_name: 'Olga' });
  audio = speech('Алло, это запись из папки мониторинга');
});
afterAll(() => ctx.close());

async function createSource(config: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const res = await ctx.admin('POST', '/api/v1/admin/sources', { name: 'PBX files', kind: 'asterisk_cdr_csv', integration_id: integration.id, schedule: '*/5 * * * *', config, ...extra });
  return { status: res.status, body: (await res.json()) as { id: string; error?: { code: string; details: Array<{ path: string; code: string }> } } };
}

const run = async (id: string) => (await (await ctx.admin('POST', `/api/v1/admin/sources/${id}/run`)).json()) as { status: string; error: string | null; stats: Record<string, number> };
const callByUid = (uid: string) =>
  ctx.db.selectFrom('communications').select(['id', 'direction', 'duration_s', 'tags', 'client_phone_raw', 'media_id', 'media_state', 'media_error', 'raw']).where('integration_id', '=', integration.id).where('uid', '=', uid).executeTakeFirst();

describe('Asterisk Master.csv with a recordings folder', () => {
  const dir = pbxDir();
  const csv = path.join(dir, 'Master.csv');
  const recordings = path.join(dir, 'monitor');
  let sourceId: string;

  it('takes new rows: answered calls with their recordings, missed calls, odd encodings; bad lines are reported', async () => {
    const a = { src: '201', dst: '+74951234567', start: '2024-05-14 10:31:42', uniqueid: '1715671902.101', clid: '"Иванов, Пётр" <201>' };
    const missed = { src: '+74950000001', dst: '201', start: '2024-05-14 10:40:00', uniqueid: '1715672400.102', disposition: 'NO ANSWER', billsec: 0 };
    const cp1251 = Buffer.from(cdrLine({ src: '+74950000002', dst: 'ext-olga', start: '2024-05-14 11:00:00', uniqueid: '1715673600.103', clid: 'Смирнова' }).replace('Смирнова', '@@'), 'utf8');
    const cyr = Buffer.from([0xd1, 0xec, 0xe8, 0xf0, 0xed, 0xee, 0xe2, 0xe0]); // "Смирнова" in windows-1251
    const at = cp1251.indexOf('@@');
    const cpLine = Buffer.concat([cp1251.subarray(0, at), cyr, cp1251.subarray(at + 2)]);
    writeFileSync(csv, Buffer.concat([Buffer.from(cdrLine(a) + cdrLine(missed) + cdrLine(a) + '"only","three","columns"\n'), cpLine]));
    placeRecording(recordings, audio, a);
    placeRecording(recordings, audio, { src: '+74950000002', dst: 'ext-olga', start: '2024-05-14 11:00:00', uniqueid: '1715673600.103' }, 'in');

    const created = await createSource({ path: csv, recordings_dir: recordings, timezone: 'Europe/Moscow', extension_map: { 'ext-olga': 'olga@corp' }, settle_seconds: 1 });
    expect(created.status).toBe(201);
    sourceId = created.body.id;
    const result = await run(sourceId);
    expect(result).toMatchObject({ status: 'ok', stats: { read: 4, seen_before: 1, created: 3, rejected: 1, recordings: 2, missed: 1 } });

    const answered = await callByUid('1715671902.101');
    expect(answered).toMatchObject({ direction: 'outcoming', duration_s: 30, client_phone_raw: '+74951234567', tags: [], media_state: 'ready' });
    expect((answered!.raw as { cdr: { clid: string } }).cdr.clid).toBe('"Иванов, Пётр" <201>');
    const read = (await (await ctx.admin('GET', `/api/v1/communications/${answered!.id}`)).json()) as { started_at: string; media: { state: string; url: string } };
    expect(read.started_at).toBe('2024-05-14T07:31:42.000Z');
    expect(read.media).toMatchObject({ state: 'ready', url: expect.stringContaining('/media/') });
    expect(await callByUid('1715672400.102')).toMatchObject({ direction: 'incoming', tags: ['missed'], media_id: null });
    const olga = await callByUid('1715673600.103');
    expect(olga).toMatchObject({ direction: 'incoming', media_state: 'ready' });
    expect((olga!.raw as { cdr: { clid: string } }).cdr.clid).toBe('Смирнова');
  });

  it('reads nothing when nothing was appended, then only the appended rows; an unfinished last line waits', async () => {
    expect((await run(sourceId)).stats).toMatchObject({ read: 0, created: 0 });
    const b = { src: '201', dst: '+74951112233', start: '2024-05-14 12:00:00', uniqueid: '1715677200.104' };
    placeRecording(recordings, audio, b);
    const half = cdrLine({ src: '201', dst: '+7000', start: '2024-05-14 12:05:00', uniqueid: '1715677500.105' });
    appendFileSync(csv, cdrLine(b) + half.slice(0, 40));
    expect((await run(sourceId)).stats).toMatchObject({ read: 1, created: 1, recordings: 1 });
    appendFileSync(csv, half.slice(40));
    expect((await run(sourceId)).stats).toMatchObject({ read: 1, created: 1 });
    expect(await ctx.db.selectFrom('communications').select('id').where('integration_id', '=', integration.id).execute()).toHaveLength(5);
  });

  it('waits for a recording that appears late, then attaches it; gives up after the wait and marks it missing', async () => {
    const late = { src: '201', dst: '+74950000009', start: '2024-05-14 13:00:00', uniqueid: '1715680800.106' };
    const never = { src: '201', dst: '+74950000010', start: '2024-05-14 13:10:00', uniqueid: '1715681400.107' };
    appendFileSync(csv, cdrLine(late) + cdrLine(never));
    expect((await run(sourceId)).stats).toMatchObject({ created: 2, waiting: 2 });
    expect(await callByUid(late.uniqueid)).toMatchObject({ media_id: null, media_state: null });
    placeRecording(recordings, audio, late);
    expect((await run(sourceId)).stats).toMatchObject({ read: 0, recordings: 1 });
    expect(await callByUid(late.uniqueid)).toMatchObject({ media_state: 'ready' });

    await ctx.admin('PATCH', `/api/v1/admin/sources/${sourceId}`, { config: { recording_wait_minutes: 0 } });
    // the unfinished line of the previous test had no recording either
    expect((await run(sourceId)).stats).toMatchObject({ missing: 2 });
    expect(await callByUid(never.uniqueid)).toMatchObject({ media_state: 'missing', media_error: expect.stringContaining('no recording') });
  });

  it('refuses a recording file that is a symlink, and keeps a growing file waiting', async () => {
    const growing = { src: '201', dst: '+74950000011', start: '2024-05-14 14:00:00', uniqueid: '1715684400.108' };
    await ctx.admin('PATCH', `/api/v1/admin/sources/${sourceId}`, { config: { recording_wait_minutes: 60, settle_seconds: 3600 } });
    placeRecording(recordings, audio, growing);
    appendFileSync(csv, cdrLine(growing));
    expect((await run(sourceId)).stats).toMatchObject({ created: 1, waiting: 1 });
    const record = await ctx.db.selectFrom('source_records').select(['state', 'detail']).where('record_key', '=', growing.uniqueid).executeTakeFirstOrThrow();
    expect(record).toMatchObject({ state: 'waiting', detail: expect.stringContaining('still being written') });

    const linked = { src: '201', dst: '+74950000012', start: '2024-05-14 14:10:00', uniqueid: '1715685000.109' };
    const name = placeRecording(recordings, audio, linked);
    const file = path.join(recordings, '2024', '05', '14', name);
    rmSync(file);
    symlinkSync('/etc/passwd', file);
    appendFileSync(csv, cdrLine(linked));
    expect((await run(sourceId)).stats).toMatchObject({ created: 1, missing: 1 });
    expect(await callByUid(linked.uniqueid)).toMatchObject({ media_id: null, media_state: 'missing', media_error: expect.stringContaining('symlinks are refused') });
  });

  it('resumes after a crash mid-run from the last page written, without duplicates', async () => {
    const crashDir = pbxDir();
    const crashCsv = path.join(crashDir, 'Master.csv');
    const lines = Array.from({ length: 7 }, (_, i) => cdrLine({ src: '201', dst: `+7495100000${i}`, start: `2024-06-01 09:0${i}:00`, uniqueid: `1717221600.${200 + i}` }));
    writeFileSync(crashCsv, lines.join(''));
    const { body } = await createSource({ path: crashCsv });
    let pages = 0;
    const crashing = new PullSources(ctx.db, ctx.services.callIngest, ctx.services.recordings, (source) => {
      const real = openSource(source);
      return {
        check: () => real.check(),
        close: () => real.close(),
        read: async (cursor, limit) => {
          if (++pages === 3) throw new Error('connection lost mid-run');
          return real.read(cursor, limit);
        },
      };
    }, SECRET_KEY, { pageSize: 2 });
    await expect(crashing.run(body.id)).rejects.toThrow('connection lost');
    const failed = (await (await ctx.admin('GET', `/api/v1/admin/sources/${body.id}`)).json()) as { last_error: string; cursor: { offset: number } };
    expect(failed.last_error).toContain('connection lost');
    expect(failed.cursor.offset).toBe(Buffer.byteLength(lines.slice(0, 4).join('')));
    const resumed = await new PullSources(ctx.db, ctx.services.callIngest, ctx.services.recordings, openSource, SECRET_KEY, { pageSize: 2 }).run(body.id);
    expect(resumed).toMatchObject({ read: 3, created: 3 });
    const uids = await ctx.db.selectFrom('communications').select('uid').where('uid', 'like', '1717221600.%').execute();
    expect(uids).toHaveLength(7);
  });

  it('answers 409 while a run of the source is under way', async () => {
    await ctx.db.updateTable('sources').set({ running_until: new Date(Date.now() + 60_000) }).where('id', '=', sourceId).execute();
    const res = await ctx.admin('POST', `/api/v1/admin/sources/${sourceId}/run`);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: 'source_running' } });
    await ctx.db.updateTable('sources').set({ running_until: null }).where('id', '=', sourceId).execute();
  });

  it('a cron tick that meets a manual run skips quietly: the job log records no failure', async () => {
    const pool = new pg.Pool({ connectionString: ctx.url, max: 2 });
    const signals = new PostgresSignals(ctx.url, pool);
    const jobs = new SourceJobs(ctx.services.pullSources, signals, ctx.services.jobRuns, createLogger('silent'));
    try {
      await ctx.db.updateTable('sources').set({ running_until: new Date(Date.now() + 60_000) }).where('id', '=', sourceId).execute();
      await jobs.runOnce(sourceId);
      const log = await ctx.db.selectFrom('job_runs').select(['failures', 'last_error']).where('name', '=', `source:${sourceId}`).executeTakeFirstOrThrow();
      expect({ failures: Number(log.failures), last_error: log.last_error }).toEqual({ failures: 0, last_error: null });
    } finally {
      await ctx.db.updateTable('sources').set({ running_until: null }).where('id', '=', sourceId).execute();
      await jobs.stop();
      await signals.close();
      await pool.end();
    }
  });
});

describe('a rotated Master.csv', () => {
  it('imports every call once across mv rotation and copytruncate, and nothing on the runs after', async () => {
    const dir = pbxDir();
    const csv = path.join(dir, 'Master.csv');
    const line = (i: number) => cdrLine({ src: '201', dst: `+7495200${String(i).padStart(4, '0')}`, start: '2024-06-02 09:00:00', uniqueid: `1717318800.${i}` });
    const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => line(from + k)).join('');
    const count = async () => (await ctx.db.selectFrom('communications').select('uid').where('uid', 'like', '1717318800.%').execute()).length;
    writeFileSync(csv, lines(0, 5));
    const { body } = await createSource({ path: csv });
    expect((await run(body.id)).stats).toMatchObject({ read: 5, created: 5 });

    appendFileSync(csv, lines(5, 7)); // written just before logrotate's mv
    renameSync(csv, `${csv}.1`);
    writeFileSync(csv, lines(7, 10));
    expect((await run(body.id)).stats).toMatchObject({ read: 5, created: 5, seen_before: 0, rejected: 0 });
    expect((await run(body.id)).stats).toMatchObject({ read: 0, created: 0 });

    appendFileSync(csv, lines(10, 11)); // written just before logrotate's copy
    renameSync(`${csv}.1`, `${csv}.2`);
    copyFileSync(csv, `${csv}.1`);
    truncateSync(csv, 0);
    appendFileSync(csv, lines(11, 13));
    expect((await run(body.id)).stats).toMatchObject({ read: 3, created: 3, seen_before: 0, rejected: 0 });
    expect((await run(body.id)).stats).toMatchObject({ read: 0, created: 0 });
    expect(await count()).toBe(13);
  });
});

describe('Asterisk gsm and sln recordings', () => {
  it('are stored converted to WAV that plays, with their duration; a .gsm holding no GSM frames stays corrupt', async () => {
    const dir = pbxDir();
    const csv = path.join(dir, 'Master.csv');
    const recordings = path.join(dir, 'monitor');
    const gsm = speech('Запись в формате GSM', 'gsm');
    const sln = speech('Запись в формате слинеар', 'sln');
    const junk = path.join(pbxDir(), 'junk.gsm');
    writeFileSync(junk, Buffer.alloc(2000, 0x41));
    const calls = [gsm, sln, junk].map((audio, i) => ({ audio, call: { src: '201', dst: `+7495300000${i}`, start: `2024-06-03 10:0${i}:00`, uniqueid: `1717408800.${i}` } }));
    for (const { audio, call } of calls) placeRecording(recordings, audio, call);
    writeFileSync(csv, calls.map(({ call }) => cdrLine(call)).join(''));
    const { body } = await createSource({ path: csv, recordings_dir: recordings, settle_seconds: 1 });
    expect((await run(body.id)).stats).toMatchObject({ created: 3, recordings: 3 });

    const expected = [Math.floor(statSync(gsm).size / 33) * 160 / 8000, statSync(sln).size / 2 / 8000];
    expect(expected[0]).toBeGreaterThan(1);
    for (const [i, duration] of expected.entries()) {
      const call = await callByUid(calls[i]!.call.uniqueid);
      const read = (await (await ctx.admin('GET', `/api/v1/communications/${call!.id}`)).json()) as { media: { state: string; mime: string; format: string; duration: number; url: string } };
      expect(read.media, calls[i]!.audio).toMatchObject({ state: 'ready', mime: 'audio/wav', format: 'WAVE/PCM' });
      expect(read.media.duration).toBeCloseTo(duration, 2);
      const played = await ctx.app.request(new URL(read.media.url).pathname + new URL(read.media.url).search);
      expect(played.status).toBe(200);
      const wav = path.join(pbxDir(), 'played.wav');
      writeFileSync(wav, Buffer.from(await played.arrayBuffer()));
      expect(soxDuration(wav)).toBeCloseTo(duration, 2);
    }
    const broken = await callByUid(calls[2]!.call.uniqueid);
    const read = (await (await ctx.admin('GET', `/api/v1/communications/${broken!.id}`)).json()) as { media: Record<string, unknown> };
    expect(read.media).toMatchObject({ state: 'corrupt', format: 'gsm', size: 2000, error: 'no gsm audio found in the recording' });
    expect(JSON.stringify(read.media)).not.toContain(os.tmpdir());
  });
});

describe('bad source configs are refused at creation', () => {
  it('answers 422 with the field path for each mistake, and never shows passwords', async () => {
    const dir = pbxDir();
    writeFileSync(path.join(dir, 'Master.csv'), '');
    const cases: Array<[Record<string, unknown>, Record<string, unknown>, string, string]> = [
      [{ path: 'relative/Master.csv' }, {}, 'validation_failed', 'config.path'],
      [{ path: path.join(dir, 'missing.csv') }, {}, 'source_unreachable', 'config'],
      [{ path: path.join(dir, 'Master.csv'), timezone: 'Mars/Olympus' }, {}, 'validation_failed', 'config.timezone'],
      [{ path: path.join(dir, 'Master.csv'), unknown_knob: 1 }, {}, 'validation_failed', 'config'],
      [{ path: path.join(dir, 'Master.csv') }, { schedule: 'every day' }, 'validation_failed', 'schedule'],
      [{ path: path.join(dir, 'Master.csv') }, { integration_id: '00000000-0000-4000-8000-000000000000' }, 'validation_failed', 'integration_id'],
      [{ path: `${dir}/../x/Master.csv` }, {}, 'validation_failed', 'config.path'],
      [{ path: path.join(dir, 'Master.csv'), recordings_dir: path.join(dir, 'no-such-folder') }, {}, 'source_unreachable', 'config.recordings_dir'],
      [{ path: path.join(dir, 'Master.csv'), recordings_dir: path.join(dir, 'Master.csv') }, {}, 'source_unreachable', 'config.recordings_dir'],
    ];
    for (const [config, extra, code, at] of cases) {
      const { status, body } = await createSource(config, extra);
      expect(status, JSON.stringify(config) + JSON.stringify(extra)).toBe(422);
      expect(body.error!.code).toBe(code);
      expect(body.error!.details.map((d) => d.path)).toContain(at);
    }
    const sql = await ctx.admin('POST', '/api/v1/admin/sources', {
      name: 'x', kind: 'asterisk_cdr_sql', integration_id: integration.id, schedule: '* * * * *',
      config: { url: 'postgres://u:secret@127.0.0.1:1/cdr', table: 'cdr; DROP TABLE x' },
    });
    expect(await sql.json()).toMatchObject({ error: { code: 'validation_failed', details: [{ path: 'config.table' }] } });
    const down = await ctx.admin('POST', '/api/v1/admin/sources', {
      name: 'x', kind: 'asterisk_cdr_sql', integration_id: integration.id, schedule: '* * * * *', config: { url: 'postgres://u:secret@127.0.0.1:1/cdr' },
    });
    expect(down.status).toBe(422);
    expect(JSON.stringify(await down.json())).not.toContain('secret');
    const { body } = await createSource({ path: path.join(dir, 'Master.csv') });
    const patch = await ctx.admin('PATCH', `/api/v1/admin/sources/${body.id}`, { config: { encoding: 'koi8' } });
    expect(await patch.json()).toMatchObject({ error: { code: 'validation_failed', details: [{ path: 'config.encoding' }] } });
    expect((await ctx.admin('GET', '/api/v1/admin/sources/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await ctx.app.request('/api/v1/admin/sources')).status).toBe(401);
  });
});
