// One CRM outcome per communication and connector (issue 16 item 8): a later change of the event (a missed
// call answered after all) is a follow-up of the first delivery, which it names in `follows` and waits for;
// and a delivery may wait for its call's recording (issue 16 item 5): `awaits_media` marks those the media
// fetch wakes when the recording is stored or fails.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE crm_deliveries
    ADD COLUMN follows uuid REFERENCES crm_deliveries (id) ON DELETE CASCADE,
    ADD COLUMN awaits_media boolean NOT NULL DEFAULT false`.execute(db);
  await sql`CREATE INDEX crm_deliveries_follows_idx ON crm_deliveries (follows) WHERE follows IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE crm_deliveries DROP COLUMN awaits_media, DROP COLUMN follows`.execute(db);
}
