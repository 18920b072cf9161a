// Planner statistics: ANALYZE after bulk changes (migrations, backfills), so the planner's row estimates
// (search's estimated_total among them) do not come from tables it has never looked at.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.js';

/** ANALYZE of every table of the database (a sample per table: seconds even at a million calls). */
export async function refreshPlannerStatistics(db: Kysely<Database> | Transaction<Database>): Promise<void> {
  await sql`ANALYZE`.execute(db);
}
