// What a CRM adapter achieved in earlier attempts of a delivery (Bitrix24's CALL_ID, a created task), so a
// retry resumes at the step that failed instead of starting over (and registering the call again).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE crm_deliveries ADD COLUMN progress jsonb NOT NULL DEFAULT '{}'::jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE crm_deliveries DROP COLUMN progress`.execute(db);
}
