// Health, metrics, OpenAPI, request ids, and migrations applied once when two instances start together.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../migrations/index.js';
import { migrateToLatest } from '../../server/db/migrator.js';
import type { Database } from '../../server/db/schema.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, postCall, seedWorld } from '../support/fixtures.js';
import { adminQuery, databaseUrl, dropDatabase, uniqueName } from '../support/test-database.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe('health and metrics', () => {
  it('answers /healthz and /readyz with migration state and outbox backlog', async () => {
    expect((await ctx.app.request('/healthz')).status).toBe(200);
    const ready = await ctx.app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, database: 'ok', migrations: { pending: [] }, outbox: { search: { pending: 0, dead: 0 }, media: { pending: 0 }, crm: { pending: 0 } },
      search: { engine: 'postgres', status: 'ok' },
    });
  });

  it('exposes Prometheus metrics with request timings by route', async () => {
    const { integration } = await seedWorld(ctx);
    expect((await postCall(ctx, integration, callBody({ uid: 'metrics-1' }))).status).toBe(201);
    const res = await ctx.app.request('/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('earshot_calls_ingested_total{status="created"} 1');
    expect(text).toContain('earshot_ingest_batch_calls_sum 1');
    expect(text).toContain('earshot_ingest_batch_calls_count 1');
    expect(text).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/integrations\/:integration_id\/phone_calls",status="201"\} 1/);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('gives every answer an x-request-id, keeping a sane one the caller sent', async () => {
    const own = await ctx.app.request('/healthz', { headers: { 'x-request-id': 'pbx-req-42' } });
    expect(own.headers.get('x-request-id')).toBe('pbx-req-42');
    const hostile = await ctx.app.request('/nope', { headers: { 'x-request-id': 'a b\u00e9<script>' } });
    const id = hostile.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await hostile.json()).toMatchObject({ error: { code: 'not_found', request_id: id } });
  });
});

describe('OpenAPI', () => {
  it('documents every route with its schemas and the error codes', async () => {
    const res = await ctx.app.request('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
    expect(doc.openapi).toBe('3.1.0');
    for (const [path, method] of [
      ['/api/v1/admin/integrations', 'post'],
      ['/api/v1/admin/integrations/{id}/rotate_token', 'post'],
      ['/api/v1/admin/departments', 'post'],
      ['/api/v1/admin/operators', 'get'],
      ['/api/v1/admin/operators/{id}', 'patch'],
      ['/api/v1/admin/operators/import', 'post'],
      ['/api/v1/admin/custom_fields/{key}', 'delete'],
      ['/api/v1/integrations/{integration_id}/phone_calls', 'post'],
      ['/api/v1/communications/search', 'post'],
      ['/api/v1/communications/{id}', 'get'],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    expect(doc.components.schemas).toHaveProperty('PhoneCall');
    expect(JSON.stringify(doc.components.schemas.Error)).toContain('field_not_filterable');
  });

  it('serves the docs page and its assets locally', async () => {
    const page = await ctx.app.request('/api/docs');
    expect(await page.text()).toContain('/api/openapi.json');
    const asset = await ctx.app.request('/api/docs/assets/swagger-ui-bundle.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect((await ctx.app.request('/api/docs/assets/..%2f..%2fpackage.json')).status).toBe(404);
  });
});

describe('migrations', () => {
  it('are applied once when two instances migrate the same empty database at once', async () => {
    const name = uniqueName('earshot_run_migrate');
    await adminQuery(`CREATE DATABASE "${name}"`);
    const open = () => new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl(name), max: 2 }) }) });
    const [a, b] = [open(), open()];
    try {
      const reports = await Promise.all([migrateToLatest(a), migrateToLatest(b)]);
      const all = Object.keys(await migrationProvider.getMigrations());
      expect(reports.flatMap((r) => r.applied).sort()).toEqual(all);
      expect(reports.map((r) => r.current)).toEqual([all.at(-1), all.at(-1)]);
      const rows = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(a);
      expect(rows.rows[0]!.n).toBe(all.length);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
      await dropDatabase(name);
    }
  });
});

describe('migration 0012 (CRM outbox only while connected)', () => {
  it('rewrites the batch function one way and back, and refuses a function it does not recognise', async () => {
    const { Migrator } = await import('kysely');
    const name = uniqueName('earshot_run_migrate_down');
    await adminQuery(`CREATE DATABASE "${name}"`);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl(name), max: 2 }) }) });
    const definition = async () => (await sql<{ d: string }>`SELECT pg_get_functiondef('earshot_write_call_batch(jsonb)'::regprocedure) AS d`.execute(db)).rows[0]!.d;
    try {
      await migrateToLatest(db);
      expect(await definition()).toContain('FROM crm_connectors k');
      const migrator = new Migrator({ db, provider: migrationProvider });
      expect((await migrator.migrateTo('0011_chat_closed')).error).toBeUndefined();
      expect(await definition()).not.toContain('crm_connectors');
      await migrateToLatest(db);
      expect(await definition()).toContain('FROM crm_connectors k');
      // Down twice in a row would rewrite a function that no longer has the clause: refused, nothing changed.
      expect((await migrator.migrateTo('0012_crm_outbox_when_connected')).error).toBeUndefined();
      const m0012 = (await migrationProvider.getMigrations())['0012_crm_outbox_when_connected']!;
      await m0012.down!(db as Kysely<unknown>);
      await expect(m0012.down!(db as Kysely<unknown>)).rejects.toThrow(/does not contain the clause/);
    } finally {
      await db.destroy();
      await dropDatabase(name);
    }
  });
});

describe('database unavailable', () => {
  it('answers 503 with Retry-After, not 500 or a hang', async () => {
    const { createServices } = await import('../../server/services/index.js');
    const { createApp } = await import('../../server/http/app.js');
    const { createMetrics } = await import('../../server/http/metrics.js');
    const { createLogger } = await import('../../server/logger.js');
    const down = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 2000 }) }),
    });
    const { testRecordingSettings } = await import('../support/recordings.js');
    const services = createServices(down, { secretKey: 'k'.repeat(32), publicUrl: 'http://x', tokenCacheSeconds: 0, recordings: testRecordingSettings() });
    const app = createApp({ services, metrics: createMetrics(), logger: createLogger('silent'), bodyLimitBytes: 1 << 20, version: 'test' });
    const res = await app.request('/api/v1/integrations/00000000-0000-4000-8000-000000000000/phone_calls', { method: 'POST', headers: { authorization: 'x' }, body: '{}' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ error: { code: 'service_unavailable' } });
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, database: 'unreachable' });
    await down.destroy();
  });
});
