// The planner estimates jsonb containment (`doc @> {"cf_region": "…"}`) from a sample of whole documents;
// with the default 100-entry sample a value holding 2% of the rows was estimated anywhere from 100 to
// 20,000 rows, and the low estimates chose a bitmap scan of every match plus a sort (216 ms at 1M rows)
// over walking the started_at index (6 ms). A 1,000-entry sample puts the estimates within ±15%.
// (A rebuilt index table gets the same target: DOC_STATISTICS_TARGET in server/search/postgres-storage.ts.)
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE search_documents ALTER COLUMN doc SET STATISTICS 1000`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE search_documents ALTER COLUMN doc SET STATISTICS -1`.execute(db);
}
