// Pull sources (issue 21 item 10, issue 16 item 23): sealed secrets apart from the config (the start-up
// step seals what older rows keep in the clear: migrations have no key), the run history with each
// run's rejected rows, and what the per-source metrics read (last success, newest record imported).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE sources
      ADD COLUMN secrets text,
      ADD COLUMN last_success_at timestamptz,
      ADD COLUMN newest_record_at timestamptz`.execute(db);
  await sql`
    CREATE TABLE source_runs (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      source_id uuid NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
      trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'repull')),
      window_from timestamptz,
      window_to timestamptz,
      status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed')),
      error text,
      stats jsonb,
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX source_runs_source_idx ON source_runs (source_id, id DESC)`.execute(db);
  await sql`
    CREATE TABLE source_run_rejections (
      run_id bigint NOT NULL REFERENCES source_runs (id) ON DELETE CASCADE,
      position integer NOT NULL,
      at text NOT NULL,
      reason text NOT NULL,
      raw text,
      PRIMARY KEY (run_id, position)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE source_run_rejections`.execute(db);
  await sql`DROP TABLE source_runs`.execute(db);
  await sql`ALTER TABLE sources DROP COLUMN secrets, DROP COLUMN last_success_at, DROP COLUMN newest_record_at`.execute(db);
}
