// estimated_total is never a planner's guess above what a cheap bounded count finds: on a fresh install
// (tables never analysed) 541 calls used to show "about 5848". Migrations and backfills ANALYZE.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../server/db/migrator.js';
import type { Database } from '../../server/db/schema.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { adminQuery, databaseUrl, dropDatabase, uniqueName } from '../support/test-database.js';
import { callBody, postCall, seedWorld } from '../support/fixtures.js';

const CALLS = 541;
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
  const { integration } = await seedWorld(ctx);
  for (let i = 0; i < CALLS; i++) {
    const transcript = `Добрый день, звонок номер ${i}. `.repeat(40);
    const res = await postCall(ctx, integration, callBody({ uid: `total-${i}`, transcript, started_at: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString() }));
    if (res.status !== 201) throw new Error(`call ${i}: ${res.status} ${await res.text()}`);
  }
  expect(await ctx.services.searchSync.drain()).toMatchObject({ indexed: CALLS, failed: 0 });
}, 120_000);
afterAll(() => ctx?.close());

describe('estimated_total on a database that was never analysed', () => {
  it('is the exact count when a bounded count finds fewer than a thousand and one matches', async () => {
    const res = await ctx.admin('POST', '/api/v1/communications/search', { limit: 50 });
    const page = (await res.json()) as { items: unknown[]; estimated_total: number; engine: string };
    expect(page.engine).toBe('postgres');
    expect(page.items).toHaveLength(50);
    expect(page.estimated_total).toBe(CALLS);
  });

  it('is exact for a filtered query too', async () => {
    const res = await ctx.admin('POST', '/api/v1/communications/search', { limit: 10, filter: { field: 'direction', op: 'eq', value: 'incoming' } });
    const page = (await res.json()) as { estimated_total: number };
    expect(page.estimated_total).toBe(CALLS);
  });
});

/** The planner's row count of a table: -1 until it was first analysed (or vacuumed). */
async function plannerRows(db: Kysely<Database>, table: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = ${table}::regclass`.execute(db);
  return rows[0]!.n;
}

describe('planner statistics after bulk changes', () => {
  it('migrating an empty database ends with ANALYZE (no table left never analysed)', async () => {
    const name = uniqueName('earshot_analyze');
    await adminQuery(`CREATE DATABASE "${name}"`);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl(name), max: 2 }) }) });
    try {
      expect((await migrateToLatest(db)).applied.length).toBeGreaterThan(0);
      expect(await plannerRows(db, 'communications')).toBe(0);
      expect(await plannerRows(db, 'search_documents')).toBe(0);
    } finally {
      await db.destroy();
      await dropDatabase(name);
    }
  }, 120_000);

  it('a backfill ends with ANALYZE: the planner knows the rows it wrote', async () => {
    await ctx.services.searchBackfill.run({ from: new Date('2024-01-01T00:00:00Z'), to: new Date('2024-01-02T00:00:00Z') });
    expect(await plannerRows(ctx.db, 'search_documents')).toBe(CALLS);
    expect(await plannerRows(ctx.db, 'communications')).toBe(CALLS);
  });
});
