// Pull-source administration (issue 21 item 10): every run — scheduled, manual, re-pull — is kept with its
// counts and the rows it rejected (raw text and reason), listed page by page; a time window is re-pulled
// (dry run first) without moving the cursor and without duplicates; /metrics reports each source's rows
// read and rejected, lag and last success.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSignals } from '../../server/db/signals.js';
import { SourceJobs } from '../../server/jobs/source-jobs.js';
import { createLogger } from '../../server/logger.js';
import { PullSources } from '../../server/services/pull-sources.js';
import type { RunView } from '../../server/services/source-runs.js';
import { openSource } from '../../server/sources/open-source.js';
import { signIn } from '../support/console.js';
import { createTestContext, SECRET_KEY, type TestContext } from '../support/context.js';
import { createIntegration, createOperator, type Integration } from '../support/fixtures.js';
import { cdrLine, pbxDir } from '../support/pbx-files.js';

let ctx: TestContext;
let integration: Integration;

beforeAll(async () => {
  ctx = await createTestContext();
  integration = await createIntegration(ctx, { name: 'Asterisk' });
  await createOperator(ctx, { external_id: '201' });
});
afterAll(() => ctx.close());

type Json = Record<string, unknown>;
type RunList = { items: RunView[]; next_cursor: string | null };
const get = async <T = Json>(url: string) => {
  const res = await ctx.admin('GET', url);
  return { status: res.status, body: (await res.json()) as T };
};
async function createSource(kind: string, config: Record<string, unknown>) {
  const res = await ctx.admin('POST', '/api/v1/admin/sources', { name: kind, kind, integration_id: integration.id, schedule: '*/5 * * * *', config });
  const body = (await res.json()) as { id: string };
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.id;
}

describe('run history', () => {
  const dir = pbxDir();
  const csv = path.join(dir, 'Master.csv');
  const bad = '"only","three","columns"';
  let id: string;

  it('keeps every run with its counts and the rejected rows (raw line and reason), manual and scheduled', async () => {
    writeFileSync(
      csv,
      cdrLine({ src: '201', dst: '+74951234567', start: '2024-05-14 10:31:42', uniqueid: '1715671902.1' }) +
        `${bad}\n` +
        cdrLine({ src: '+74950000001', dst: '201', start: '2024-05-14 10:40:00', uniqueid: '1715672400.2' }) +
        '"a","b"\n',
    );
    id = await createSource('asterisk_cdr_csv', { path: csv, timezone: 'Europe/Moscow' });
    expect((await (await ctx.admin('POST', `/api/v1/admin/sources/${id}/run`)).json()) as Json).toMatchObject({ status: 'ok', stats: { read: 2, created: 2, rejected: 2 } });

    const pool = new pg.Pool({ connectionString: ctx.url, max: 2 });
    const signals = new PostgresSignals(ctx.url, pool);
    const jobs = new SourceJobs(ctx.services.pullSources, signals, ctx.services.jobRuns, createLogger('silent'));
    try {
      await jobs.runOnce(id);
    } finally {
      await jobs.stop();
      await signals.close();
      await pool.end();
    }

    const runs = await get<RunList>(`/api/v1/admin/sources/${id}/runs`);
    expect(runs.status).toBe(200);
    expect(runs.body.next_cursor).toBeNull();
    expect(runs.body.items).toHaveLength(2);
    const [scheduled, manual] = runs.body.items as [RunView, RunView];
    expect(scheduled).toMatchObject({ trigger: 'schedule', status: 'ok', error: null, window: null, counts: { read: 0, imported: 0, rejected: 0 } });
    expect(manual).toMatchObject({ trigger: 'manual', status: 'ok', counts: { read: 2, imported: 2, updated: 0, rejected: 2, recordings: 0 } });
    expect(Date.parse(manual.finished_at!)).toBeGreaterThanOrEqual(Date.parse(manual.started_at));

    const rejected = await get(`/api/v1/admin/sources/${id}/runs/${manual.id}/rejected`);
    expect(rejected.body).toMatchObject({
      next_cursor: null,
      items: [
        { position: 0, raw: bad, reason: expect.stringContaining('3 columns') },
        { position: 1, raw: '"a","b"', reason: expect.stringContaining('2 columns') },
      ],
    });
    const paged = await get(`/api/v1/admin/sources/${id}/runs/${manual.id}/rejected?limit=1`);
    expect(paged.body).toMatchObject({ items: [{ position: 0 }], next_cursor: '0' });
    expect((await get(`/api/v1/admin/sources/${id}/runs/${manual.id}/rejected?limit=1&after=0`)).body).toMatchObject({ items: [{ position: 1 }], next_cursor: null });
  });

  it('a run left running by a stopped process is marked failed (interrupted) when the next one starts', async () => {
    const { id: stale } = await ctx.db.insertInto('source_runs').values({ source_id: id, trigger: 'schedule', window_from: null, window_to: null }).returning('id').executeTakeFirstOrThrow();
    await ctx.admin('POST', `/api/v1/admin/sources/${id}/run`);
    expect((await get(`/api/v1/admin/sources/${id}/runs/${stale}`)).body).toMatchObject({ status: 'failed', error: expect.stringContaining('interrupted'), finished_at: expect.any(String) });
    await ctx.db.deleteFrom('source_runs').where('id', '>=', stale).execute();
  });

  it('lists runs page by page, records a failed run with its error, answers 404/422 for bad ids and pages', async () => {
    rmSync(csv);
    expect((await (await ctx.admin('POST', `/api/v1/admin/sources/${id}/run`)).json()) as Json).toMatchObject({ status: 'failed' });
    const first = await get<RunList>(`/api/v1/admin/sources/${id}/runs?limit=2`);
    expect(first.body.items.map((r) => r.trigger)).toEqual(['manual', 'schedule']);
    expect(first.body.items[0]).toMatchObject({ status: 'failed', error: expect.stringContaining('ENOENT') });
    const second = await get<RunList>(`/api/v1/admin/sources/${id}/runs?limit=2&before=${first.body.next_cursor}`);
    expect(second.body).toMatchObject({ items: [{ trigger: 'manual', status: 'ok' }], next_cursor: null });
    expect((await get(`/api/v1/admin/sources/${id}/runs/${second.body.items[0]!.id}`)).body).toMatchObject({ counts: { read: 2 } });

    expect((await get(`/api/v1/admin/sources/${id}/runs/999999999`)).body).toMatchObject({ error: { code: 'source_run_not_found' } });
    expect((await get(`/api/v1/admin/sources/${id}/runs/constructor`)).status).toBe(404);
    expect((await get(`/api/v1/admin/sources/00000000-0000-4000-8000-000000000000/runs`)).body).toMatchObject({ error: { code: 'source_not_found' } });
    expect((await get<RunList>(`/api/v1/admin/sources/${id}/runs?limit=0`)).body).toMatchObject({ error: { code: 'validation_failed', details: [{ path: 'limit' }] } });
    expect((await get<RunList>(`/api/v1/admin/sources/${id}/runs?before=x`)).status).toBe(422);
  });

  it('the console source page lists the runs; a run page shows its rejected rows as read', async () => {
    const client = await signIn(ctx);
    const page = await (await client.get(`/console/sources/${id}`)).text();
    const table = page.slice(page.indexOf('data-testid="runs"'));
    expect(table).toContain('<td class="bad">failed</td>');
    const lastRun = (await get<RunList>(`/api/v1/admin/sources/${id}/runs`)).body.items.at(-1)!;
    expect(page).toContain(`/console/sources/${id}/runs/${lastRun.id}`);
    const runPage = await (await client.get(`/console/sources/${id}/runs/${lastRun.id}`)).text();
    expect(runPage).toContain('2 read, 2 imported, 0 updated, 2 rejected');
    expect(runPage).toContain('<code>&quot;only&quot;,&quot;three&quot;,&quot;columns&quot;</code>');
    expect(runPage).toContain('3 columns, expected');
    expect((await client.get(`/console/sources/${id}/runs/123456789`)).status).toBe(404);
  });
});

describe('re-pull of a time window (CDR table on Postgres)', () => {
  let id: string;
  const insert = (rows: Array<[string, string, string, string]>) =>
    Promise.all(rows.map(([at, src, dst, uniqueid]) => sql`INSERT INTO cdr (calldate, src, dst, billsec, duration, disposition, uniqueid, linkedid) VALUES (${at}, ${src}, ${dst}, 20, 25, 'ANSWERED', ${uniqueid}, ${uniqueid})`.execute(ctx.db)));
  const calls = () => ctx.db.selectFrom('communications').select('uid').where('integration_id', '=', integration.id).where('uid', 'like', '1719%').orderBy('uid').execute();
  const cursorOf = async () => (await get(`/api/v1/admin/sources/${id}`)).body.cursor;
  const repull = async (body: Json) => {
    const res = await ctx.admin('POST', `/api/v1/admin/sources/${id}/repull`, body);
    return { status: res.status, body: (await res.json()) as Json };
  };
  const window = { from: '2024-07-01T09:00:00+03:00', to: '2024-07-02T00:00:00+03:00' };

  it('dry run counts what a re-pull would take, writing nothing; the re-pull takes lost and skipped rows once; the cursor stays', async () => {
    await sql`CREATE TABLE cdr (calldate timestamp NOT NULL, src text, dst text, duration int, billsec int, disposition text, uniqueid text, linkedid text, recordingfile text)`.execute(ctx.db);
    await insert([
      ['2024-07-01 09:00:00', '201', '+74957770001', '1719813600.1'],
      ['2024-07-01 09:10:00', '+74957770002', '205', '1719814200.2'], // 205 is no operator yet: skipped
      ['2024-07-01 10:00:00', '201', '+74957770003', '1719817200.3'],
      ['2024-06-30 12:00:00', '201', '+74957770009', '1719738000.9'], // outside the window
    ]);
    id = await createSource('asterisk_cdr_sql', { url: ctx.url, timezone: 'Europe/Moscow', overlap_seconds: 0 });
    expect((await (await ctx.admin('POST', `/api/v1/admin/sources/${id}/run`)).json()) as Json).toMatchObject({ stats: { read: 4, created: 3, skipped: 1 } });
    // A row written late behind the cursor (no overlap) is never read by a normal run.
    await insert([['2024-07-01 09:30:00', '201', '+74957770004', '1719815400.4']]);
    expect((await (await ctx.admin('POST', `/api/v1/admin/sources/${id}/run`)).json()) as Json).toMatchObject({ stats: { read: 0, created: 0 } });
    await createOperator(ctx, { external_id: '205' });
    const cursor = await cursorOf();
    const before = await calls();
    const logged = await ctx.db.selectFrom('source_records').select(['record_key', 'state']).where('source_id', '=', id).orderBy('record_key').execute();
    const runsBefore = (await get<RunList>(`/api/v1/admin/sources/${id}/runs`)).body.items.length;

    const dry = await repull({ ...window, dry_run: true });
    expect(dry).toMatchObject({ status: 200, body: { dry_run: true, read: 4, to_take: 2, calls: 2, seen_before: 2, rejected: 0 } });
    expect(await calls()).toEqual(before);
    expect(await ctx.db.selectFrom('source_records').select(['record_key', 'state']).where('source_id', '=', id).orderBy('record_key').execute()).toEqual(logged);
    expect((await get<RunList>(`/api/v1/admin/sources/${id}/runs`)).body.items).toHaveLength(runsBefore);
    expect(await cursorOf()).toEqual(cursor);

    const done = await repull(window);
    expect(done).toMatchObject({ status: 200, body: { status: 'ok', stats: { read: 4, created: 2, seen_before: 2, skipped: 0 } } });
    expect((await calls()).map((c) => c.uid)).toEqual(['1719738000.9', '1719813600.1', '1719814200.2', '1719815400.4', '1719817200.3']);
    expect(await cursorOf()).toEqual(cursor);
    const again = await repull({ ...window, dry_run: null });
    expect(again.body).toMatchObject({ status: 'ok', stats: { read: 4, created: 0, updated: 0, seen_before: 4 } });
    expect(await calls()).toHaveLength(5);
    const latest = (await get<RunList>(`/api/v1/admin/sources/${id}/runs?limit=1`)).body.items[0];
    expect(latest).toMatchObject({ trigger: 'repull', status: 'ok', window: { from: '2024-07-01T06:00:00.000Z', to: '2024-07-01T21:00:00.000Z' } });
  });

  it('reads a time-ordered source from the window on, page by page, and stops past its end', async () => {
    const onePerPage = new PullSources(ctx.db, ctx.services.callIngest, ctx.services.recordings, openSource, SECRET_KEY, { pageSize: 1 });
    // 09:00 and 09:10 are in the window; 09:30 ends it. The 06-30 row before it and 10:00 after it are never read.
    const report = await onePerPage.repullWindow(id, { from: new Date('2024-07-01T09:00:00+03:00'), to: new Date('2024-07-01T09:20:00+03:00') }, true);
    expect(report).toMatchObject({ dry_run: true, pages: 3, read: 2, seen_before: 2, to_take: 0 });
  });

  it('refuses a window that ends before it starts, a missing bound, unknown keys; 404 for an unknown source', async () => {
    expect((await repull({ from: window.to, to: window.from })).body).toMatchObject({ error: { code: 'validation_failed', details: [{ path: 'to' }] } });
    expect((await repull({ from: window.from })).body).toMatchObject({ error: { code: 'validation_failed', details: [{ path: 'to' }] } });
    expect((await repull({ ...window, from: '2024-07-01 09:00' })).body).toMatchObject({ error: { details: [{ path: 'from' }] } });
    expect((await repull({ ...window, reset: true })).status).toBe(422);
    const res = await ctx.admin('POST', '/api/v1/admin/sources/00000000-0000-4000-8000-000000000000/repull', window);
    expect(res.status).toBe(404);
  });

  it('answers 409 while a run of the source is under way', async () => {
    await ctx.db.updateTable('sources').set({ running_until: new Date(Date.now() + 60_000) }).where('id', '=', id).execute();
    try {
      expect((await repull(window)).body).toMatchObject({ error: { code: 'source_running' } });
    } finally {
      await ctx.db.updateTable('sources').set({ running_until: null }).where('id', '=', id).execute();
    }
  });

  it('the console re-pulls a window: a dry run first (the default), then for real; a bad window is answered next to its field', async () => {
    const client = await signIn(ctx);
    const page = await (await client.get(`/console/sources/${id}`)).text();
    expect(page).toContain(`action="/console/sources/${id}/repull"`);
    const dry = await client.post(`/console/sources/${id}/repull`, { ...window, dry_run: 'true' });
    expect(dry.status).toBe(200);
    expect(await dry.text()).toContain('Dry run: 4 records in the window, 0 not imported yet (0 calls) would be taken, 4 already imported, 0 rejected. Nothing was written.');
    const bad = await client.post(`/console/sources/${id}/repull`, { from: window.to, to: window.from });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('must be after from');
    const real = await (await client.post(`/console/sources/${id}/repull`, window)).text();
    expect(real).toContain('Re-pulled: 4 records in the window, 0 calls created');
    expect(real).toContain('re-pull 2024-07-01 06:00:00 UTC – 2024-07-01 21:00:00 UTC');
  });

  it('/metrics reports rows read and rejected, lag and last success per source', async () => {
    const text = await (await ctx.app.request('/metrics')).text();
    const value = (name: string) => Number(new RegExp(`^${name}\\{source_id="${id}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('earshot_source_rows_read_total')).toBe(4 + 0 + 4 + 4 + 4);
    expect(value('earshot_source_rows_rejected_total')).toBe(0);
    // The newest record imported started 2024-07-01 10:00 Moscow time.
    expect(value('earshot_source_lag_seconds')).toBeCloseTo((Date.now() - Date.parse('2024-07-01T07:00:00Z')) / 1000, -2);
    expect(Math.abs(value('earshot_source_last_success_timestamp_seconds') - Date.now() / 1000)).toBeLessThan(120);
  });
});
