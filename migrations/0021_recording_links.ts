// Stable recording links for CRMs (issue 16 item 7): a link per call recording that never expires but can
// be revoked (a revoked link answers 410; a new delivery gets a new link), and an audit row per open.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE recording_links (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      communication_id uuid NOT NULL REFERENCES communications (id) ON DELETE CASCADE,
      media_id uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX recording_links_current_idx ON recording_links (communication_id, media_id) WHERE revoked_at IS NULL`.execute(db);
  await sql`CREATE INDEX recording_links_communication_idx ON recording_links (communication_id)`.execute(db);
  await sql`
    CREATE TABLE recording_link_opens (
      id bigserial PRIMARY KEY,
      link_id uuid NOT NULL REFERENCES recording_links (id) ON DELETE CASCADE,
      opened_at timestamptz NOT NULL DEFAULT now(),
      client_address text,
      user_agent text,
      range text,
      outcome text NOT NULL CHECK (outcome IN ('served', 'revoked', 'invalid_signature'))
    )`.execute(db);
  await sql`CREATE INDEX recording_link_opens_link_idx ON recording_link_opens (link_id, opened_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE recording_link_opens, recording_links`.execute(db);
}
