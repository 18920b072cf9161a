// Retention and erasure (issue 17 item 4): how long recordings, transcripts and communications are kept
// (one default row, integration_id NULL, and one row per integration that differs), the deletion acts of
// per-client erasure (kept 3 years), and what the last run of a job reported (the retention counts).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE retention_settings (
      integration_id uuid REFERENCES integrations (id) ON DELETE CASCADE,
      recordings_days integer CHECK (recordings_days > 0),
      transcripts_days integer CHECK (transcripts_days > 0),
      communications_days integer CHECK (communications_days > 0),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX retention_settings_integration_key ON retention_settings (integration_id) NULLS NOT DISTINCT`.execute(db);
  await sql`
    CREATE TABLE erasure_acts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      erased_at timestamptz NOT NULL DEFAULT now(),
      keep_until timestamptz NOT NULL,
      subject_type text NOT NULL CHECK (subject_type IN ('client', 'phone')),
      subject_hash text NOT NULL,
      integration_id uuid,
      requested_by jsonb NOT NULL,
      communication_ids uuid[] NOT NULL,
      counts jsonb NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX erasure_acts_keep_until_idx ON erasure_acts (keep_until)`.execute(db);
  await sql`ALTER TABLE job_runs ADD COLUMN details jsonb`.execute(db);
  // A recording is deleted once no call and no source record links it: these make that check an index probe.
  await sql`CREATE INDEX communications_media_idx ON communications (media_id) WHERE media_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX source_records_media_idx ON source_records (media_id) WHERE media_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX source_records_communication_idx ON source_records (communication_id) WHERE communication_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX source_records_communication_idx`.execute(db);
  await sql`DROP INDEX source_records_media_idx`.execute(db);
  await sql`DROP INDEX communications_media_idx`.execute(db);
  await sql`ALTER TABLE job_runs DROP COLUMN details`.execute(db);
  await sql`DROP TABLE erasure_acts`.execute(db);
  await sql`DROP TABLE retention_settings`.execute(db);
}
