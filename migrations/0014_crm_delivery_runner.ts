// CRM delivery runner (issue 16): calls announce themselves to the CRM consumer while any connector exists
// (0012 did so only while one was not inactive), so a deactivated connector gets its deliveries as paused
// and activation releases those of its resend window. Due deliveries are claimed per connector.
import { sql, type Kysely } from 'kysely';

const ANNOUNCE_WHILE_ACTIVE =
  "WHERE (t.topic <> 'media' OR r.posted_media_url IS NOT NULL) AND (t.topic <> 'crm' OR EXISTS (SELECT 1 FROM crm_connectors k WHERE k.state <> 'inactive'))";
const ANNOUNCE_WHILE_ANY = "WHERE (t.topic <> 'media' OR r.posted_media_url IS NOT NULL) AND (t.topic <> 'crm' OR EXISTS (SELECT 1 FROM crm_connectors k))";

async function rewriteBatchFunction(db: Kysely<unknown>, from: string, to: string): Promise<void> {
  await sql`
    DO $do$
    DECLARE definition text := pg_get_functiondef('earshot_write_call_batch(jsonb)'::regprocedure);
    BEGIN
      IF position(${sql.lit(from)} IN definition) = 0 THEN
        RAISE EXCEPTION 'earshot_write_call_batch does not contain the clause to rewrite: %', ${sql.lit(from)};
      END IF;
      EXECUTE replace(definition, ${sql.lit(from)}, ${sql.lit(to)});
    END
    $do$`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await rewriteBatchFunction(db, ANNOUNCE_WHILE_ACTIVE, ANNOUNCE_WHILE_ANY);
  await sql`CREATE INDEX crm_deliveries_connector_due_idx ON crm_deliveries (connector_id, next_attempt_at) WHERE state = 'pending'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX crm_deliveries_connector_due_idx`.execute(db);
  await rewriteBatchFunction(db, ANNOUNCE_WHILE_ANY, ANNOUNCE_WHILE_ACTIVE);
}
