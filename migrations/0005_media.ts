// Recordings and pull sources: stored media (content-addressed), each call's media state, the PBX sources
// earshot pulls from with their cursors, and the per-source record log that makes re-runs idempotent.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE media (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      sha256 text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      size_bytes bigint NOT NULL,
      mime text NOT NULL,
      format text,
      duration_s float8,
      state text NOT NULL CHECK (state IN ('ready', 'corrupt')),
      probe_error text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    ALTER TABLE communications
      ADD COLUMN media_state text CHECK (media_state IN ('ready', 'corrupt', 'failed', 'missing')),
      ADD COLUMN media_error text,
      ADD CONSTRAINT communications_media_fkey FOREIGN KEY (media_id) REFERENCES media (id)`.execute(db);

  await sql`
    CREATE TABLE sources (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('asterisk_cdr_csv', 'asterisk_cdr_sql', 'asterisk_ari', 'oktell_http')),
      integration_id uuid NOT NULL REFERENCES integrations (id),
      schedule text NOT NULL,
      active boolean NOT NULL DEFAULT true,
      config jsonb NOT NULL,
      cursor jsonb,
      last_run_at timestamptz,
      last_error text,
      last_stats jsonb,
      running_until timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  // One row per source record seen: done, skipped (no operator), waiting for its recording, or missing.
  await sql`
    CREATE TABLE source_records (
      source_id uuid NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
      record_key text NOT NULL,
      communication_id uuid REFERENCES communications (id),
      state text NOT NULL CHECK (state IN ('done', 'skipped', 'waiting', 'missing')),
      started_at timestamptz NOT NULL,
      recording jsonb,
      detail text,
      attempts integer NOT NULL DEFAULT 0,
      first_seen_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (source_id, record_key)
    )`.execute(db);
  await sql`CREATE INDEX source_records_waiting_idx ON source_records (source_id, first_seen_at) WHERE state = 'waiting'`.execute(db);
  await sql`CREATE INDEX source_records_started_idx ON source_records (source_id, started_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE source_records`.execute(db);
  await sql`DROP TABLE sources`.execute(db);
  await sql`ALTER TABLE communications DROP CONSTRAINT communications_media_fkey, DROP COLUMN media_error, DROP COLUMN media_state`.execute(db);
  await sql`DROP TABLE media`.execute(db);
}
