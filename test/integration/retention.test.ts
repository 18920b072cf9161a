// Retention on real Postgres: the settings round trip and their validation, and the purge — it removes
// exactly what is past its age (recording files from the media store, transcripts and message texts,
// old communications, their search documents), a dry run changes nothing, and of two concurrent runs
// only one does the work.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database.js';
import { migrateToLatest } from '../../server/db/migrator.js';
import type { MediaStore } from '../../server/media/port.js';
import { createServices } from '../../server/services/index.js';
import { bytesOf, silence } from '../support/audio.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createIntegration, seedWorld, type Integration } from '../support/fixtures.js';
import { callWithRecording, chatWithMessages, daysAgo, recordingHash, searchUids } from '../support/personal-data.js';
import { testRecordingSettings } from '../support/recordings.js';

let ctx: TestContext;
let store: MediaStore;
let a: Integration;
let b: Integration;

beforeAll(async () => {
  const recordings = testRecordingSettings();
  store = recordings.store;
  ctx = await createTestContext({ settings: { recordings, retention: { batchSize: 2 } } });
  ({ integration: a } = await seedWorld(ctx));
  b = await createIntegration(ctx, { name: 'Other PBX' });
});
afterAll(() => ctx.close());

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
const details = async (res: Response) => (await json<{ error: { code: string; details: Array<{ path: string; code: string }> } }>(res)).error;

describe('GET/PUT /api/v1/admin/retention', () => {
  it('keeps everything forever until set, and reads back what was put', async () => {
    expect(await json(await ctx.admin('GET', '/api/v1/admin/retention'))).toEqual({
      default: { recordings_days: null, transcripts_days: null, communications_days: null },
      integrations: {},
    });
    const settings = {
      default: { recordings_days: 30, transcripts_days: 90, communications_days: 365 },
      integrations: { [b.id]: { recordings_days: null, transcripts_days: 10, communications_days: null } },
    };
    const put = await ctx.admin('PUT', '/api/v1/admin/retention', settings);
    expect(put.status, await put.clone().text()).toBe(200);
    expect(await json(put)).toEqual(settings);
    expect(await json(await ctx.admin('GET', '/api/v1/admin/retention'))).toEqual(settings);

    // A period left out keeps forever; an integration left out loses its own periods.
    const partial = await ctx.admin('PUT', '/api/v1/admin/retention', { default: { recordings_days: 7 } });
    expect(await json(partial)).toEqual({ default: { recordings_days: 7, transcripts_days: null, communications_days: null }, integrations: {} });
  });

  it('answers 422 with the path of each bad value, and keeps the settings it had', async () => {
    const before = await json(await ctx.admin('GET', '/api/v1/admin/retention'));
    const cases: Array<[unknown, string, string?]> = [
      [{ default: { recordings_days: 0 } }, 'default.recordings_days'],
      [{ default: { transcripts_days: 1.5 } }, 'default.transcripts_days'],
      [{ default: { communications_days: '30' } }, 'default.communications_days'],
      [{ default: { communications_days: 36_501 } }, 'default.communications_days'],
      [{ default: { recording_days: 30 } }, 'default'],
      [{}, 'default'],
      [{ default: {}, integrations: { 'not-a-uuid': {} } }, 'integrations.not-a-uuid'],
      [{ default: {}, integrations: { [a.id]: { recordings_days: -1 } } }, `integrations.${a.id}.recordings_days`],
      [{ default: {}, integrations: { '00000000-0000-4000-8000-000000000000': {} } }, 'integrations.00000000-0000-4000-8000-000000000000', 'integration_not_found'],
      ['{"default": {}, "integrations": {"__proto__": {"recordings_days": 1}}}', 'integrations.__proto__'],
    ];
    for (const [body, path, code] of cases) {
      const res = await ctx.admin('PUT', '/api/v1/admin/retention', body);
      expect(res.status, `${JSON.stringify(body)}: ${await res.clone().text()}`).toBe(422);
      const error = await details(res);
      expect(error.code).toBe('validation_failed');
      expect(error.details.map((d) => d.path), JSON.stringify(body)).toContain(path);
      if (code) expect(error.details.find((d) => d.path === path)?.code).toBe(code);
    }
    expect((await ctx.admin('PUT', '/api/v1/admin/retention', '{"default": ')).status).toBe(400);
    expect(await json(await ctx.admin('GET', '/api/v1/admin/retention'))).toEqual(before);
  });

  it('is for the admin only', async () => {
    expect((await ctx.app.request('/api/v1/admin/retention')).status).toBe(401);
    expect((await ctx.app.request('/api/v1/admin/retention', { method: 'PUT', headers: { authorization: a.token }, body: '{"default": {}}' })).status).toBe(401);
  });
});

describe('the retention purge', () => {
  it('dry-runs without changes, then removes exactly what is past its age; a second run finds nothing', async () => {
    await ctx.admin('PUT', '/api/v1/admin/retention', {
      default: { recordings_days: 30, transcripts_days: 90, communications_days: 365 },
      integrations: { [b.id]: { recordings_days: null, transcripts_days: 10, communications_days: null } },
    });
    const shared = bytesOf(silence(0.7));
    const ids = {
      aOld: await callWithRecording(ctx, a, 'a-old', daysAgo(400), 'ананас', { client: { id: 'gone-client', first_name: 'Старый' } }),
      aOldShared: await callWithRecording(ctx, a, 'a-old-shared', daysAgo(400), 'банан', { client: { id: 'kept-client' } }, shared),
      aMid: await callWithRecording(ctx, a, 'a-mid', daysAgo(100), 'вишня', { client: { id: 'kept-client' } }),
      aRecent: await callWithRecording(ctx, a, 'a-recent', daysAgo(40), 'груша'),
      aNew: await callWithRecording(ctx, a, 'a-new', daysAgo(5), 'дыня', {}, shared),
      aChatMid: await chatWithMessages(ctx, a, 'a-chat-mid', daysAgo(100), 'ежевика'),
      aChatNew: await chatWithMessages(ctx, a, 'a-chat-new', daysAgo(5), 'жимолость'),
      bOld: await callWithRecording(ctx, b, 'b-old', daysAgo(400), 'земляника'),
      bNew: await callWithRecording(ctx, b, 'b-new', daysAgo(5), 'инжир'),
    };
    // Not seen for 400 days: the one whose every communication goes is deleted, the one with a newer call stays.
    await ctx.db.updateTable('clients').set({ updated_at: daysAgo(400) }).where('external_id', 'in', ['gone-client', 'kept-client']).execute();
    const hashes = Object.fromEntries(await Promise.all(Object.entries(ids).map(async ([k, id]) => [k, await recordingHash(ctx, id)] as const)));
    const snapshot = async () => ({
      communications: await ctx.db.selectFrom('communications').select(['id', 'media_id', 'transcript', 'raw']).orderBy('id').execute(),
      messages: await ctx.db.selectFrom('messages').select(['communication_id', 'text']).orderBy('communication_id').execute(),
      media: await ctx.db.selectFrom('media').select('sha256').orderBy('sha256').execute(),
      clients: await ctx.db.selectFrom('clients').select(['id', 'first_name', 'phones']).orderBy('id').execute(),
    });
    const expected = { communications: 2, recordings: 2, transcripts: 3, clients: 1, erasure_acts: 0 };

    const before = await snapshot();
    const dry = await ctx.services.retention.purge({ dryRun: true });
    expect(dry).toMatchObject({ dry_run: true, counts: { ...expected, files: 0 } });
    expect(await snapshot()).toEqual(before);
    for (const hash of Object.values(hashes)) if (hash !== null) expect(await store.size(hash)).toBeGreaterThan(0);

    const progress: Array<{ done: number; total: number }> = [];
    const report = await ctx.services.retention.purge({ onProgress: (p) => progress.push(p) });
    // aOld's file goes with it; aOldShared's bytes stay for aNew; aMid's and aRecent's recordings go.
    expect(report).toMatchObject({ dry_run: false, counts: { ...expected, files: 3 } });
    expect(progress.at(-1)).toEqual({ done: 8, total: 8 });
    expect((await ctx.db.selectFrom('clients').select('external_id').where('integration_id', '=', a.id).execute()).map((c) => c.external_id)).toEqual(['kept-client']);

    const present = new Set((await ctx.db.selectFrom('communications').select('id').execute()).map((r) => r.id));
    expect(Object.entries(ids).filter(([, id]) => !present.has(id)).map(([k]) => k).sort()).toEqual(['aOld', 'aOldShared']);
    for (const key of ['aOld', 'aMid', 'aRecent'] as const) expect(await store.size(hashes[key]!), key).toBeUndefined();
    for (const key of ['aNew', 'bOld', 'bNew'] as const) expect(await store.size(hashes[key]!), key).toBeGreaterThan(0);
    expect(await ctx.db.selectFrom('media').select('sha256').where('sha256', 'in', [hashes.aOld!, hashes.aMid!, hashes.aRecent!]).execute()).toEqual([]);

    const row = (id: string) => ctx.db.selectFrom('communications').select(['media_id', 'media_url', 'transcript', 'raw']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(await row(ids.aMid)).toMatchObject({ media_id: null, media_url: null, transcript: null });
    expect(JSON.stringify((await row(ids.aMid)).raw)).not.toContain('вишня');
    expect(await row(ids.aRecent)).toMatchObject({ media_id: null, transcript: 'клиент сказал груша' });
    expect((await row(ids.aNew)).media_id).not.toBeNull();
    // B keeps recordings and communications forever but transcripts only 10 days.
    expect(await row(ids.bOld)).toMatchObject({ transcript: null });
    expect((await row(ids.bOld)).media_id).not.toBeNull();
    const texts = await ctx.db.selectFrom('messages').select(['communication_id', 'text']).execute();
    expect(texts.find((m) => m.communication_id === ids.aChatMid)?.text).toBe('');
    expect(texts.find((m) => m.communication_id === ids.aChatNew)?.text).toBe('вопрос про жимолость');

    // The Postgres search index follows: deleted communications and blanked words are not found.
    for (const word of ['ананас', 'банан', 'вишня', 'ежевика', 'земляника']) expect(await searchUids(ctx, { q: word }), word).toEqual([]);
    expect(await searchUids(ctx, { q: 'груша' })).toEqual(['a-recent']);
    expect(await searchUids(ctx, { q: 'жимолость' })).toEqual(['a-chat-new']);
    expect(await searchUids(ctx, { filter: { field: 'integration_id', op: 'eq', value: a.id } })).toEqual(['a-chat-mid', 'a-chat-new', 'a-mid', 'a-new', 'a-recent']);

    // The run is recorded with its counts on the retention job's record.
    const run = await ctx.db.selectFrom('job_runs').select('details').where('name', '=', 'retention').executeTakeFirstOrThrow();
    expect(run.details).toMatchObject({ action: 'retention.purged', counts: { ...expected, files: 3 } });
    // And one audit entry per run, by earshot's own job.
    const audited = (await (await ctx.admin('GET', '/api/v1/admin/audit_log?action=retention.purged')).json()) as { items: Array<Record<string, unknown>> };
    expect(audited.items).toEqual([expect.objectContaining({ actor: { type: 'system', id: 'retention' }, details: expect.objectContaining({ dry_run: false, counts: { ...expected, files: 3 } }) })]);

    expect((await ctx.services.retention.purge())?.counts).toEqual({ communications: 0, recordings: 0, files: 0, transcripts: 0, clients: 0, erasure_acts: 0 });
  });

  it('runs once at a time: a purge while another holds the lock returns at once, and of two concurrent runs one does the work', async () => {
    await callWithRecording(ctx, a, 'a-old-2', daysAgo(500), 'кокос');
    await callWithRecording(ctx, a, 'a-old-3', daysAgo(500), 'лайм');

    const holder = new pg.Client({ connectionString: ctx.url });
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(hashtext('earshot:retention'))`);
      expect(await ctx.services.retention.purge()).toBeUndefined();
      expect(await ctx.services.retention.purge({ dryRun: true })).toBeUndefined();
      await holder.query(`SELECT pg_advisory_unlock(hashtext('earshot:retention'))`);
    } finally {
      await holder.end();
    }

    const reports = await Promise.all([ctx.services.retention.purge(), ctx.services.retention.purge()]);
    const working = reports.filter((r) => r !== undefined && r.counts.communications > 0);
    expect(working).toHaveLength(1);
    expect(working[0]!.counts.communications).toBe(2);
    expect(await searchUids(ctx, { q: 'кокос' })).toEqual([]);
  });

  it('deletes deletion acts past their keeping period', async () => {
    await ctx.db
      .insertInto('erasure_acts')
      .values([
        { keep_until: daysAgo(1), subject_type: 'phone', subject_hash: 'x', integration_id: null, requested_by: '{}', communication_ids: [], counts: '{}' },
        { keep_until: daysAgo(-1), subject_type: 'phone', subject_hash: 'y', integration_id: null, requested_by: '{}', communication_ids: [], counts: '{}' },
      ])
      .execute();
    expect((await ctx.services.retention.purge())?.counts.erasure_acts).toBe(1);
    expect((await ctx.db.selectFrom('erasure_acts').select('subject_hash').execute()).map((r) => r.subject_hash)).toEqual(['y']);
  });

  it('runs on the embedded database, whose one connection also holds the lock', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'earshot-retention-embedded-'));
    const embedded = await openDatabase({ url: undefined, poolSize: 1, dataDir });
    try {
      await migrateToLatest(embedded.db);
      const services = createServices(embedded.db, { secretKey: 'embedded-secret-key-0123456789abcdef', publicUrl: 'http://earshot.test', tokenCacheSeconds: 0, recordings: testRecordingSettings() });
      await services.retention.update({ default: { recordings_days: 1, transcripts_days: 1, communications_days: 1 }, integrations: new Map() });
      expect((await services.retention.purge())?.counts.communications).toBe(0);
      expect((await services.retention.purge({ dryRun: true }))?.dry_run).toBe(true);
    } finally {
      await embedded.close();
    }
  }, 60_000);
});
