// People who sign in (issue 17): users with a role (admin, supervisor, operator), the departments a
// supervisor's scope starts from, the operator record an operator user is, and their tokens — sign-in
// sessions, personal API tokens and one-time invites — stored as HMACs only.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email text NOT NULL,
      name text NOT NULL,
      role text NOT NULL CHECK (role IN ('admin', 'supervisor', 'operator')),
      operator_id uuid REFERENCES operators(id) ON DELETE RESTRICT,
      locale text CHECK (locale IN ('ru', 'en')),
      password_hash text,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT users_operator_role CHECK (role <> 'operator' OR operator_id IS NOT NULL)
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`.execute(db);
  await sql`CREATE UNIQUE INDEX users_operator_key ON users (operator_id) WHERE operator_id IS NOT NULL`.execute(db);
  await sql`
    CREATE TABLE user_departments (
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      department_id uuid NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
      PRIMARY KEY (user_id, department_id)
    )`.execute(db);
  await sql`
    CREATE TABLE user_tokens (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('session', 'personal', 'invite')),
      name text,
      token_hash text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz,
      last_used_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX user_tokens_user ON user_tokens (user_id, kind)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE user_tokens`.execute(db);
  await sql`DROP TABLE user_departments`.execute(db);
  await sql`DROP TABLE users`.execute(db);
}
