// When a chat ended (the platform says so with closed_at): CRMs get a chat once it is closed, not at its
// first message.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE communications ADD COLUMN closed_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE communications DROP COLUMN closed_at`.execute(db);
}
