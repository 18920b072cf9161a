// The legs of a pulled call, kept on their source records: which call a record belongs to and what it
// said (parties, duration, answered), so a leg read on a later page or run is weighed together with the
// legs taken before; and the recording each leg brought, so every leg's recording is kept (the call
// plays the earliest one).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE source_records
      ADD COLUMN call_uid text,
      ADD COLUMN leg jsonb,
      ADD COLUMN media_id uuid REFERENCES media (id)`.execute(db);
  await sql`CREATE INDEX source_records_call_idx ON source_records (source_id, call_uid) WHERE call_uid IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX source_records_call_idx`.execute(db);
  await sql`ALTER TABLE source_records DROP COLUMN media_id, DROP COLUMN leg, DROP COLUMN call_uid`.execute(db);
}
