// Keeping the index in step: NOTIFY wake-ups make a new call searchable within a second; an engine outage
// leaves ingestion alone and the rows pending with backoff until the engine is back; settings failures surface.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSignals } from '../../server/db/signals.js';
import { Scheduler } from '../../server/jobs/scheduler.js';
import { searchSyncJob } from '../../server/jobs/search-sync.js';
import { createLogger } from '../../server/logger.js';
import type { SearchDocument } from '../../server/search/document.js';
import { PostgresSearchIndex } from '../../server/search/postgres.js';
import { SearchEngineError, type IndexSettings, type SearchIndex, type SearchQuery } from '../../server/search/port.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';

/** The real Postgres index behind a switch that makes it answer like an engine that is down. */
class SwitchableIndex implements SearchIndex {
  readonly engine = 'postgres' as const;
  down = false;
  settingsFail = false;
  constructor(private readonly inner: SearchIndex) {}
  private check() {
    if (this.down) throw new SearchEngineError('connect ECONNREFUSED 127.0.0.1:7700');
  }
  async applySettings(settings: IndexSettings) {
    if (this.settingsFail) throw new SearchEngineError('settings task failed: invalid_settings_filterable_attributes');
    return this.inner.applySettings(settings);
  }
  async upsert(documents: SearchDocument[]) {
    this.check();
    return this.inner.upsert(documents);
  }
  async delete(ids: string[]) {
    this.check();
    return this.inner.delete(ids);
  }
  async search(query: SearchQuery) {
    this.check();
    return this.inner.search(query);
  }
  health() {
    return Promise.resolve(this.down ? { status: 'unavailable' as const, detail: 'down' } : { status: 'ok' as const });
  }
}

let ctx: TestContext;
let integration: Integration;
let index: SwitchableIndex;

beforeAll(async () => {
  ctx = await createTestContext({
    settings: (db) => ({
      searchIndex: (index = new SwitchableIndex(new PostgresSearchIndex(db))),
      searchSync: { batchSize: 50, backoff: { baseMs: 50, maxMs: 200, maxAttempts: 3 } },
    }),
  });
  ({ integration } = await seedWorld(ctx));
});
afterAll(() => ctx.close());

const searchUid = async (uid: string) => {
  const res = await ctx.admin('POST', '/api/v1/communications/search', { filter: { field: 'uid', op: 'eq', value: uid } });
  return { status: res.status, body: (await res.json()) as { items: Array<{ uid: string }>; error?: { code: string } } };
};
const outboxRows = () => ctx.db.selectFrom('outbox').selectAll().where('topic', '=', 'search').execute();
const makeDue = () => ctx.db.updateTable('outbox').set({ run_after: new Date(Date.now() - 1000) }).execute();

describe('wake-ups', () => {
  it('makes a posted call searchable within a second, woken by NOTIFY rather than the cron tick', async () => {
    const pool = new pg.Pool({ connectionString: ctx.url, max: 2 });
    pool.on('error', () => {});
    const signals = new PostgresSignals(ctx.url, pool);
    const scheduler = new Scheduler(signals, ctx.services.jobRuns, createLogger('silent'));
    scheduler.register(searchSyncJob(ctx.services.searchSync, () => {}));
    await scheduler.start();
    try {
      await scheduler.trigger('search-sync');
      const lags: number[] = [];
      for (let i = 0; i < 5; i++) {
        const uid = `wake-${i}`;
        const posted = Date.now();
        expect((await postCall(ctx, integration, callBody({ uid }))).status).toBe(201);
        while ((await searchUid(uid)).body.items.length === 0) {
          if (Date.now() - posted > 5000) throw new Error(`${uid} not searchable after 5 s`);
          await new Promise((r) => setTimeout(r, 10));
        }
        lags.push(Date.now() - posted);
      }
      expect(Math.max(...lags)).toBeLessThan(1000);
      const [run] = await ctx.services.jobRuns.list();
      expect(run).toMatchObject({ name: 'search-sync', last_error: null });
      expect(Number(run!.runs)).toBeGreaterThan(1);
    } finally {
      await scheduler.stop();
      await signals.close();
      await pool.end();
    }
  });
});

describe('engine outage', () => {
  it('keeps ingesting, leaves the rows pending with backoff, and drains when the engine is back', async () => {
    await ctx.services.searchSync.drain();
    index.down = true;
    const res = await postCall(ctx, integration, callBody({ uid: 'during-outage' }));
    expect(res.status).toBe(201);

    const failed = await ctx.services.searchSync.drain();
    expect(failed).toMatchObject({ indexed: 0, failed: 1 });
    const [row] = await outboxRows();
    expect(row).toMatchObject({ state: 'pending', attempts: 1, last_error: expect.stringContaining('ECONNREFUSED') });
    expect(row!.run_after.getTime()).toBeGreaterThan(Date.now());

    const search = await searchUid('during-outage');
    expect(search.status).toBe(503);
    const ready = (await (await ctx.app.request('/readyz')).json()) as { ready: boolean; outbox: { search: { pending: number } }; search: { status: string } };
    expect(ready).toMatchObject({ ready: true, outbox: { search: { pending: 1 } }, search: { status: 'unavailable' } });

    index.down = false;
    await makeDue();
    expect(await ctx.services.searchSync.drain()).toMatchObject({ indexed: 1, failed: 0 });
    expect(await outboxRows()).toEqual([]);
    expect((await searchUid('during-outage')).body.items.map((i) => i.uid)).toEqual(['during-outage']);
  });

  it('gives a row up (dead, visible in readiness) after the last attempt', async () => {
    index.down = true;
    await postCall(ctx, integration, callBody({ uid: 'never-indexed' }));
    for (let attempt = 0; attempt < 3; attempt++) {
      await makeDue();
      await ctx.services.searchSync.drain();
    }
    index.down = false;
    const [row] = await outboxRows();
    expect(row).toMatchObject({ state: 'dead', attempts: 3 });
    const ready = (await (await ctx.app.request('/readyz')).json()) as { outbox: { search: { pending: number; dead: number } } };
    expect(ready.outbox.search).toMatchObject({ pending: 0, dead: 1 });
    await ctx.db.deleteFrom('outbox').execute();
  });
});

describe('index settings', () => {
  it('reports a failed settings change on the custom field and in readiness, and applies it on the next drain', async () => {
    index.settingsFail = true;
    const res = await ctx.admin('POST', '/api/v1/admin/custom_fields', { key: 'region', name: 'Region', type: 'string', used_for_filtering: true });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ key: 'region', search_settings: { state: 'failed', error: expect.stringContaining('invalid_settings') } });
    expect(await (await ctx.app.request('/readyz')).json()).toMatchObject({ search: { settings: { state: 'failed' } } });
    await expect(ctx.services.searchSync.drain()).rejects.toThrow(/settings/);

    index.settingsFail = false;
    await ctx.services.searchSync.drain();
    expect(ctx.services.searchSync.settingsState).toEqual({ state: 'applied' });
    const patched = await ctx.admin('PATCH', '/api/v1/admin/custom_fields/region', { used_for_filtering: false });
    expect(await patched.json()).toMatchObject({ search_settings: { state: 'applied' } });
  });
});

describe('re-indexing', () => {
  it('indexes a transcript put after the call, and forgets a deleted communication', async () => {
    await postCall(ctx, integration, callBody({ uid: 'later-transcript' }));
    const put = await ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls/later-transcript/transcript`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${integration.token}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ speaker: 'client', start: 0, end: 3, text: 'Хочу подключить роуминг в Турции' }]),
    });
    expect(put.status).toBe(200);
    await ctx.services.searchSync.drain();
    const res = await ctx.admin('POST', '/api/v1/communications/search', { q: 'роуминг' });
    const body = (await res.json()) as { items: Array<{ uid: string; highlight: string }>; engine: string };
    expect(body.engine).toBe('postgres');
    expect(body.items.map((i) => i.uid)).toEqual(['later-transcript']);
    expect(body.items[0]!.highlight).toContain('<em>роуминг</em>');

    const id = (await ctx.db.selectFrom('communications').select('id').where('uid', '=', 'later-transcript').executeTakeFirstOrThrow()).id;
    await ctx.db.deleteFrom('communications').where('id', '=', id).execute();
    await ctx.db.insertInto('outbox').values({ topic: 'search', key: id, payload: JSON.stringify({ communication_id: id }) }).execute();
    expect(await ctx.services.searchSync.drain()).toMatchObject({ deleted: 1 });
    expect((await searchUid('later-transcript')).body.items).toEqual([]);
  });
});
