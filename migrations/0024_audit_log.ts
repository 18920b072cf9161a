// The audit log (issue 17): one row per access to personal data or change, append-only — triggers refuse
// UPDATE, DELETE and TRUNCATE for every role — and chained: each row carries the SHA-256 of its canonical
// form and the previous row's hash, with a gapless sequence number, so a changed or removed row shows.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE audit_log (
      seq bigint PRIMARY KEY CHECK (seq > 0),
      id uuid NOT NULL UNIQUE,
      at timestamptz NOT NULL,
      actor_type text NOT NULL,
      actor_id text,
      actor_email text,
      action text NOT NULL,
      target_type text,
      target_id text,
      ip text NOT NULL,
      user_agent text NOT NULL,
      details jsonb NOT NULL,
      prev_hash text NOT NULL,
      hash text NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX audit_log_at ON audit_log (at)`.execute(db);
  await sql`CREATE INDEX audit_log_action ON audit_log (action, seq)`.execute(db);
  await sql`CREATE INDEX audit_log_actor ON audit_log (actor_id, seq)`.execute(db);
  await sql`CREATE INDEX audit_log_target ON audit_log (target_type, target_id, seq)`.execute(db);
  await sql`
    CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`.execute(db);
  await sql`
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE audit_log`.execute(db);
  await sql`DROP FUNCTION audit_log_refuse_change()`.execute(db);
}
