// Console sessions of users (issue 17): a session belongs to the user who signed in with email and password,
// or to nobody when the owner signed in with the admin token. Deleting a user ends its sessions.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE console_sessions ADD COLUMN user_id uuid REFERENCES users(id) ON DELETE CASCADE`.execute(db);
  await sql`CREATE INDEX console_sessions_user_idx ON console_sessions (user_id) WHERE user_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE console_sessions DROP COLUMN user_id`.execute(db);
}
