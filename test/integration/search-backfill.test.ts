// Rebuilding the index: the service (ranges, resume, re-applying raw custom fields) and the CLI as admins run it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, defineField, postCall, seedWorld, type Integration } from '../support/fixtures.js';

let ctx: TestContext;
let integration: Integration;
const ROOT = path.resolve(import.meta.dirname, '../..');

beforeAll(async () => {
  ctx = await createTestContext();
  ({ integration } = await seedWorld(ctx));
  for (let i = 0; i < 12; i++) {
    const res = await postCall(
      ctx,
      integration,
      callBody({ uid: `b-${i}`, started_at: new Date(Date.UTC(2024, 2, 1 + i)).toISOString(), custom_fields: { region: i % 2 ? 'north' : 'south', topic: 'x' } }),
    );
    expect(((await res.json()) as { warnings: Array<{ code: string }> }).warnings).toEqual([expect.objectContaining({ path: 'custom_fields.region', code: 'unknown_field' })]);
  }
  // Nothing indexed yet: the sync has not run.
  await ctx.db.deleteFrom('outbox').execute();
});
afterAll(() => ctx.close());

const indexed = async () => Number((await sql<{ n: number }>`select count(*)::int as n from search_documents`.execute(ctx.db)).rows[0]!.n);

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/backfill-search.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: ctx.url, EARSHOT_SECRET_KEY: 'cli-test-secret-key-0123456789abcdef', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('search backfill', () => {
  it('a dry run counts what it would do and writes nothing', async () => {
    await defineField(ctx, { key: 'region', name: 'Region', type: 'enum', options: ['north', 'south'], used_for_filtering: true });
    const run = cli('--dry-run', '--reapply-raw', '--batch', '5');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/would index 12 of 12 communications on postgres; would re-apply custom fields on 12; cursor 2024-03-12T00:00:00\.000Z_/);
    expect(run.stderr).toMatch(/checking: 5\/12 \(41\.7%\), \d+\/s, ETA \d+s, cursor 2024-03-05T00:00:00\.000Z_[0-9a-f-]{36}/);
    expect(await indexed()).toBe(0);
    const row = await ctx.db.selectFrom('communications').select('custom_fields').where('uid', '=', 'b-1').executeTakeFirstOrThrow();
    expect(row.custom_fields).not.toHaveProperty('region');
  });

  it('indexes a date range, then resumes the range after a cursor', async () => {
    const first = cli('--from', '2024-03-01', '--to', '2024-03-05', '--batch', '2');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('indexed 4 of 4 communications on postgres');
    expect(await indexed()).toBe(4);
    const cursor = /cursor (\S+)\n$/.exec(first.stdout)![1]!;

    const rest = cli('--from', '2024-03-01', '--to', '2024-03-09', '--after', cursor, '--batch', '3');
    expect(rest.status, rest.stderr).toBe(0);
    expect(rest.stdout).toContain('indexed 4 of 8');
    expect(await indexed()).toBe(8);

    const bad = cli('--from', '2024-03-01', '--after', 'nonsense');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('cursor');
  });

  it('rebuilds the whole index beside the live one, resumes an interrupted rebuild, and catches up on writes made meanwhile', async () => {
    // An interrupted whole run: the first page lands in the rebuild table, then the process "dies".
    let cursor = '';
    await expect(
      ctx.services.searchBackfill.run({
        batchSize: 4,
        concurrency: 1,
        onProgress: (p) => {
          cursor = p.cursor!;
          throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    expect(await indexed()).toBe(8); // the live index is untouched

    const orphan = cli('--after', cursor);
    expect(orphan.status, orphan.stderr).toBe(0);
    expect(orphan.stdout).toContain('indexed 8 of 12');
    expect(await indexed()).toBe(12);
    expect(cli('--after', cursor).stderr).toContain('no interrupted rebuild');

    // A call changed during a rebuild, after its page was copied, and synced into the old live index at once:
    // the catch-up after the swap puts its new content in.
    let written = false;
    await ctx.services.searchBackfill.run({
      batchSize: 4,
      concurrency: 1,
      onProgress: async () => {
        if (written) return;
        written = true;
        await postCall(ctx, integration, callBody({ uid: 'b-0', started_at: new Date(Date.UTC(2024, 2, 1)).toISOString(), transcript: 'перезвонить завтра' }));
        expect(await ctx.services.searchSync.drain()).toMatchObject({ indexed: 1 });
      },
    });
    const found = (await (await ctx.admin('POST', '/api/v1/communications/search', { q: 'перезвонить' })).json()) as { items: Array<{ uid: string }> };
    expect(found.items.map((i) => i.uid)).toEqual(['b-0']);
    expect(await indexed()).toBe(12);
    // The swapped-in table keeps the larger statistics sample for containment estimates (migration 0006).
    const { rows } = await sql<{ target: number }>`SELECT attstattarget AS target FROM pg_attribute WHERE attrelid = 'search_documents'::regclass AND attname = 'doc'`.execute(ctx.db);
    expect(rows[0]!.target).toBe(1000);
  });

  it('--reapply-raw applies values kept from before their field existed, clears those warnings, and makes them searchable', async () => {
    const report = await ctx.services.searchBackfill.run({ reapplyRaw: true, batchSize: 5 });
    expect(report, JSON.stringify(report)).toMatchObject({ done: 12, total: 12, indexed: 12, reapplied: 11 }); // b-0 was posted again above
    const call = (await (await ctx.admin('POST', '/api/v1/communications/search', { filter: { field: 'cf.region', op: 'eq', value: 'north' } })).json()) as {
      items: Array<{ uid: string; custom_fields: Record<string, unknown>; warnings: unknown[] }>;
    };
    expect(call.items.map((i) => i.uid).sort()).toEqual(['b-1', 'b-11', 'b-3', 'b-5', 'b-7', 'b-9']);
    expect(call.items[0]!.custom_fields).toMatchObject({ region: 'north', topic: 'x' });
    expect(call.items[0]!.warnings).toEqual([]);
    // Nothing left to re-apply the second time.
    expect(await ctx.services.searchBackfill.run({ reapplyRaw: true })).toMatchObject({ reapplied: 0, indexed: 12 });
  });
});
