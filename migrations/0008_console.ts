// Admin console: login sessions (token stored hashed, with the session's CSRF token), failed logins for
// rate limiting, and an index so the overview's ingest rate reads only the last day of communications.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE console_sessions (
      token_hash text PRIMARY KEY,
      csrf_token text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at)`.execute(db);
  await sql`
    CREATE TABLE console_login_failures (
      id bigserial PRIMARY KEY,
      client text NOT NULL,
      at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX console_login_failures_client_idx ON console_login_failures (client, at)`.execute(db);
  await sql`CREATE INDEX communications_created_at_idx ON communications (created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX communications_created_at_idx`.execute(db);
  await sql`DROP TABLE console_login_failures`.execute(db);
  await sql`DROP TABLE console_sessions`.execute(db);
}
