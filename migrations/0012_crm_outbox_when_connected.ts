// Calls announce themselves to the CRM consumer only while a CRM connector exists that is not inactive
// (checked in the batch's own transaction): an installation without CRM push no longer writes, reads and
// deletes a `crm` outbox row per call. A call is delivered to the connectors active when it was stored.
// The batch function (0002) is changed in place by rewriting its one WHERE clause, so its long body is
// not repeated here; each direction checks that the clause it rewrites is there.
import { sql, type Kysely } from 'kysely';

const ANNOUNCE_ALL = "WHERE t.topic <> 'media' OR r.posted_media_url IS NOT NULL";
const ANNOUNCE_CONNECTED =
  "WHERE (t.topic <> 'media' OR r.posted_media_url IS NOT NULL) AND (t.topic <> 'crm' OR EXISTS (SELECT 1 FROM crm_connectors k WHERE k.state <> 'inactive'))";

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
  await rewriteBatchFunction(db, ANNOUNCE_ALL, ANNOUNCE_CONNECTED);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await rewriteBatchFunction(db, ANNOUNCE_CONNECTED, ANNOUNCE_ALL);
}
