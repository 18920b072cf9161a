// Integration isolation (issue 16 item 19): a client belongs to one integration (external ids are unique per
// integration), and tags and client attributes to one integration or to none (shared, created by the admin).
// A client that calls of several integrations shared is split into one copy per integration (attributes, tags
// and aliases copied, calls repointed); a client with no calls goes to the only integration, or to none
// (admin-only) when there are several. Every step is repeatable; down merges the copies back by external id.
import { sql, type Kysely } from 'kysely';

/** The batch function's client upsert, per integration (0002's text → this migration's). */
const BATCH_CLIENTS: Array<[string, string]> = [
  ['INSERT INTO clients (external_id, first_name, last_name, company_name, phones)', 'INSERT INTO clients (integration_id, external_id, first_name, last_name, company_name, phones)'],
  ['SELECT client_external_id,', 'SELECT integration_id, client_external_id,'],
  ['GROUP BY client_external_id ORDER BY client_external_id', 'GROUP BY integration_id, client_external_id ORDER BY integration_id, client_external_id'],
  ['ON CONFLICT (external_id) DO UPDATE', 'ON CONFLICT (integration_id, external_id) DO UPDATE'],
  ['RETURNING id, external_id', 'RETURNING id, integration_id, external_id'],
  ['LEFT JOIN client_rows c ON c.external_id = a.client_external_id', 'LEFT JOIN client_rows c ON c.integration_id = a.integration_id AND c.external_id = a.client_external_id'],
];

/** Applies the replacements in order; one already applied is skipped, so a second run changes nothing. */
async function rewriteBatchFunction(db: Kysely<unknown>, pairs: Array<[string, string]>): Promise<void> {
  for (const [from, to] of pairs) {
    await sql`
      DO $do$
      DECLARE definition text := pg_get_functiondef('earshot_write_call_batch(jsonb)'::regprocedure);
      BEGIN
        IF position(${sql.lit(to)} IN definition) > 0 THEN RETURN; END IF;
        IF position(${sql.lit(from)} IN definition) = 0 THEN
          RAISE EXCEPTION 'earshot_write_call_batch does not contain the clause to rewrite: %', ${sql.lit(from)};
        END IF;
        EXECUTE replace(definition, ${sql.lit(from)}, ${sql.lit(to)});
      END
      $do$`.execute(db);
  }
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE clients ADD COLUMN IF NOT EXISTS integration_id uuid REFERENCES integrations (id)`.execute(db);
  // The client a copy was split from: down merges copies back into it.
  await sql`ALTER TABLE clients ADD COLUMN IF NOT EXISTS split_from uuid`.execute(db);
  await sql`ALTER TABLE client_aliases ADD COLUMN IF NOT EXISTS integration_id uuid REFERENCES integrations (id)`.execute(db);
  await sql`ALTER TABLE tags ADD COLUMN IF NOT EXISTS integration_id uuid REFERENCES integrations (id) ON DELETE CASCADE`.execute(db);
  await sql`ALTER TABLE client_attributes ADD COLUMN IF NOT EXISTS integration_id uuid REFERENCES integrations (id) ON DELETE CASCADE`.execute(db);

  await sql`ALTER TABLE clients DROP CONSTRAINT IF EXISTS clients_external_id_key`.execute(db);
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS clients_integration_external_id_key ON clients (integration_id, external_id) NULLS NOT DISTINCT`.execute(db);
  await sql`ALTER TABLE client_aliases DROP CONSTRAINT IF EXISTS client_aliases_pkey`.execute(db);
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS client_aliases_integration_external_id_key ON client_aliases (integration_id, external_id) NULLS NOT DISTINCT`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS client_aliases_client_idx ON client_aliases (client_id)`.execute(db);
  // The admin token looks external ids up across integrations.
  await sql`CREATE INDEX IF NOT EXISTS clients_external_id_idx ON clients (external_id)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS client_aliases_external_id_idx ON client_aliases (external_id)`.execute(db);
  // Tag names are unique per owner (an integration, or none for the shared ones).
  await sql`DROP INDEX IF EXISTS tags_scope_name_key`.execute(db);
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS tags_scope_owner_name_key ON tags (scope, integration_id, lower(name)) NULLS NOT DISTINCT`.execute(db);

  // Owner: the integration of the client's first communication.
  await sql`
    UPDATE clients cl SET integration_id = first.integration_id
    FROM (SELECT DISTINCT ON (client_id) client_id, integration_id FROM communications WHERE client_id IS NOT NULL ORDER BY client_id, created_at, id) first
    WHERE cl.id = first.client_id AND cl.integration_id IS NULL`.execute(db);
  await sql`
    UPDATE clients SET integration_id = (SELECT id FROM integrations)
    WHERE integration_id IS NULL AND (SELECT count(*) FROM integrations) = 1
      AND NOT EXISTS (SELECT 1 FROM communications c WHERE c.client_id = clients.id)`.execute(db);
  await sql`UPDATE client_aliases a SET integration_id = cl.integration_id FROM clients cl WHERE cl.id = a.client_id AND a.integration_id IS DISTINCT FROM cl.integration_id`.execute(db);

  // One copy per other integration whose calls name the client (unless that integration has one of the id).
  await sql`
    WITH needed AS (
      SELECT DISTINCT c.integration_id, cl.id AS original_id
      FROM communications c JOIN clients cl ON cl.id = c.client_id
      WHERE c.integration_id IS DISTINCT FROM cl.integration_id
    ),
    copies AS (
      INSERT INTO clients (integration_id, external_id, first_name, last_name, company_name, phones, created_at, updated_at, split_from)
      SELECT n.integration_id, cl.external_id, cl.first_name, cl.last_name, cl.company_name, cl.phones, cl.created_at, cl.updated_at, cl.id
      FROM needed n JOIN clients cl ON cl.id = n.original_id
      ON CONFLICT (integration_id, external_id) DO NOTHING
      RETURNING id, integration_id, split_from
    ),
    copied_values AS (
      INSERT INTO client_attribute_values (client_id, attribute_id, value, updated_at)
      SELECT cp.id, v.attribute_id, v.value, v.updated_at FROM copies cp JOIN client_attribute_values v ON v.client_id = cp.split_from
    ),
    copied_tags AS (
      INSERT INTO client_tags (client_id, tag_id, created_at)
      SELECT cp.id, t.tag_id, t.created_at FROM copies cp JOIN client_tags t ON t.client_id = cp.split_from
    )
    INSERT INTO client_aliases (integration_id, external_id, client_id, merged_at)
    SELECT cp.integration_id, a.external_id, cp.id, a.merged_at FROM copies cp JOIN client_aliases a ON a.client_id = cp.split_from
    ON CONFLICT DO NOTHING`.execute(db);
  await sql`
    UPDATE communications c SET client_id = target.id
    FROM clients cl, clients target
    WHERE cl.id = c.client_id AND c.integration_id IS DISTINCT FROM cl.integration_id
      AND target.integration_id = c.integration_id AND target.external_id = cl.external_id`.execute(db);

  await rewriteBatchFunction(db, BATCH_CLIENTS);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await rewriteBatchFunction(db, BATCH_CLIENTS.map(([from, to]) => [to, from]));

  // Clients of one external id merge (work tables, not temporary ones: the statements may run on several connections) into the original (not a split copy), then the oldest.
  await sql`
    CREATE TABLE earshot_client_merges AS
    SELECT id AS from_id, first_value(id) OVER w AS into_id
    FROM clients
    WINDOW w AS (PARTITION BY external_id ORDER BY split_from IS NOT NULL, created_at, id)`.execute(db);
  await sql`DELETE FROM earshot_client_merges WHERE from_id = into_id`.execute(db);
  await sql`
    INSERT INTO client_attribute_values (client_id, attribute_id, value, updated_at)
    SELECT m.into_id, v.attribute_id, v.value, v.updated_at FROM earshot_client_merges m JOIN client_attribute_values v ON v.client_id = m.from_id
    ON CONFLICT (client_id, attribute_id) DO NOTHING`.execute(db);
  await sql`
    INSERT INTO client_tags (client_id, tag_id, created_at)
    SELECT m.into_id, t.tag_id, t.created_at FROM earshot_client_merges m JOIN client_tags t ON t.client_id = m.from_id
    ON CONFLICT DO NOTHING`.execute(db);
  await sql`UPDATE communications c SET client_id = m.into_id FROM earshot_client_merges m WHERE c.client_id = m.from_id`.execute(db);
  await sql`
    UPDATE clients cl SET
      first_name = coalesce(cl.first_name, f.first_name),
      last_name = coalesce(cl.last_name, f.last_name),
      company_name = coalesce(cl.company_name, f.company_name),
      phones = array(SELECT DISTINCT p FROM unnest(cl.phones || f.phones) AS p ORDER BY p)
    FROM (SELECT m.into_id, (array_agg(c.first_name) FILTER (WHERE c.first_name IS NOT NULL))[1] AS first_name,
            (array_agg(c.last_name) FILTER (WHERE c.last_name IS NOT NULL))[1] AS last_name,
            (array_agg(c.company_name) FILTER (WHERE c.company_name IS NOT NULL))[1] AS company_name,
            coalesce(array_agg(DISTINCT p) FILTER (WHERE p IS NOT NULL), '{}') AS phones
          FROM earshot_client_merges m JOIN clients c ON c.id = m.from_id LEFT JOIN LATERAL unnest(c.phones) AS p ON true
          GROUP BY m.into_id) f
    WHERE cl.id = f.into_id`.execute(db);
  await sql`UPDATE client_aliases a SET client_id = m.into_id FROM earshot_client_merges m WHERE a.client_id = m.from_id`.execute(db);
  await sql`DELETE FROM clients WHERE id IN (SELECT from_id FROM earshot_client_merges)`.execute(db);
  await sql`
    DELETE FROM client_aliases a USING client_aliases keep
    WHERE keep.external_id = a.external_id AND (keep.merged_at, keep.ctid) < (a.merged_at, a.ctid)`.execute(db);
  await sql`DROP TABLE earshot_client_merges`.execute(db);

  // Tags of one scope and name become one (the oldest); clients keep every tag they had by that name.
  await sql`
    CREATE TABLE earshot_tag_merges AS
    SELECT id AS from_id, first_value(id) OVER w AS into_id FROM tags WINDOW w AS (PARTITION BY scope, lower(name) ORDER BY created_at, id)`.execute(db);
  await sql`DELETE FROM earshot_tag_merges WHERE from_id = into_id`.execute(db);
  await sql`INSERT INTO client_tags (client_id, tag_id, created_at) SELECT t.client_id, m.into_id, t.created_at FROM earshot_tag_merges m JOIN client_tags t ON t.tag_id = m.from_id ON CONFLICT DO NOTHING`.execute(db);
  await sql`DELETE FROM tags WHERE id IN (SELECT from_id FROM earshot_tag_merges)`.execute(db);
  await sql`DROP TABLE earshot_tag_merges`.execute(db);

  await sql`DROP INDEX tags_scope_owner_name_key`.execute(db);
  await sql`CREATE UNIQUE INDEX tags_scope_name_key ON tags (scope, lower(name))`.execute(db);
  await sql`DROP INDEX client_aliases_client_idx, client_aliases_external_id_idx, clients_external_id_idx`.execute(db);
  await sql`DROP INDEX client_aliases_integration_external_id_key`.execute(db);
  await sql`ALTER TABLE client_aliases ADD CONSTRAINT client_aliases_pkey PRIMARY KEY (external_id)`.execute(db);
  await sql`DROP INDEX clients_integration_external_id_key`.execute(db);
  await sql`ALTER TABLE clients ADD CONSTRAINT clients_external_id_key UNIQUE (external_id)`.execute(db);
  await sql`ALTER TABLE client_attributes DROP COLUMN integration_id`.execute(db);
  await sql`ALTER TABLE tags DROP COLUMN integration_id`.execute(db);
  await sql`ALTER TABLE client_aliases DROP COLUMN integration_id`.execute(db);
  await sql`ALTER TABLE clients DROP COLUMN split_from, DROP COLUMN integration_id`.execute(db);
}
