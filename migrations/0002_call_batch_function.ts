// Moves the group-committed call write into a function: the statement is planned once per connection
// instead of per batch, and each batch sends a short call instead of the whole statement.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
  CREATE FUNCTION earshot_write_call_batch(batch jsonb)
  RETURNS TABLE (idx int, id uuid, uid text, created boolean)
  LANGUAGE plpgsql AS $fn$
  #variable_conflict use_column
  BEGIN
    RETURN QUERY
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(batch) AS r(
        idx int, integration_id uuid, uid text, operator_external_id text,
        client_external_id text, client_first_name text, client_last_name text, client_company_name text, client_phone text,
        direction text, started_at timestamptz, duration_s float8, client_phone_raw text, client_phone_e164 text,
        chain_uid text, nps float8, custom_fields jsonb, tags text[], media_url text, transcript jsonb, warnings jsonb, raw jsonb)
    ),
    accepted AS (
      SELECT i.*, o.id AS operator_id, o.department_id
      FROM input i JOIN operators o ON o.external_id = i.operator_external_id AND o.active
    ),
    client_rows AS (
      INSERT INTO clients (external_id, first_name, last_name, company_name, phones)
      SELECT client_external_id,
             (array_agg(client_first_name ORDER BY idx DESC) FILTER (WHERE client_first_name IS NOT NULL))[1],
             (array_agg(client_last_name ORDER BY idx DESC) FILTER (WHERE client_last_name IS NOT NULL))[1],
             (array_agg(client_company_name ORDER BY idx DESC) FILTER (WHERE client_company_name IS NOT NULL))[1],
             coalesce(array_agg(DISTINCT client_phone) FILTER (WHERE client_phone IS NOT NULL), '{}')
      FROM accepted WHERE client_external_id IS NOT NULL
      GROUP BY client_external_id ORDER BY client_external_id
      ON CONFLICT (external_id) DO UPDATE SET
        first_name = coalesce(excluded.first_name, clients.first_name),
        last_name = coalesce(excluded.last_name, clients.last_name),
        company_name = coalesce(excluded.company_name, clients.company_name),
        phones = array(SELECT DISTINCT p FROM unnest(clients.phones || excluded.phones) AS p ORDER BY p),
        updated_at = now()
      RETURNING id, external_id
    ),
    written AS (
      INSERT INTO communications (kind, integration_id, uid, operator_id, department_id, client_id, direction, started_at,
        duration_s, client_phone_raw, client_phone_e164, chain_uid, nps, custom_fields, tags, media_url, transcript, warnings, raw)
      SELECT 'call', a.integration_id, a.uid, a.operator_id, a.department_id, c.id, a.direction, a.started_at,
        a.duration_s, a.client_phone_raw, a.client_phone_e164, a.chain_uid, a.nps, a.custom_fields, coalesce(a.tags, '{}'),
        a.media_url, a.transcript, a.warnings, a.raw
      FROM accepted a LEFT JOIN client_rows c ON c.external_id = a.client_external_id
      ORDER BY a.integration_id, a.uid
      ON CONFLICT (integration_id, uid) DO UPDATE SET
        operator_id = excluded.operator_id,
        department_id = excluded.department_id,
        client_id = coalesce(excluded.client_id, communications.client_id),
        direction = coalesce(excluded.direction, communications.direction),
        started_at = excluded.started_at,
        duration_s = coalesce(excluded.duration_s, communications.duration_s),
        client_phone_raw = coalesce(excluded.client_phone_raw, communications.client_phone_raw),
        client_phone_e164 = CASE WHEN excluded.client_phone_raw IS NULL THEN communications.client_phone_e164 ELSE excluded.client_phone_e164 END,
        chain_uid = coalesce(excluded.chain_uid, communications.chain_uid),
        nps = coalesce(excluded.nps, communications.nps),
        custom_fields = communications.custom_fields || excluded.custom_fields,
        tags = CASE WHEN excluded.raw ? 'tags' THEN excluded.tags ELSE communications.tags END,
        media_url = coalesce(excluded.media_url, communications.media_url),
        transcript = coalesce(excluded.transcript, communications.transcript),
        warnings = excluded.warnings,
        raw = communications.raw || excluded.raw || jsonb_build_object('custom_fields',
          coalesce(communications.raw -> 'custom_fields', '{}'::jsonb) || coalesce(excluded.raw -> 'custom_fields', '{}'::jsonb)),
        updated_at = now()
      RETURNING id, integration_id, uid, media_url, (xmax = 0) AS created
    ),
    results AS (
      SELECT a.idx, w.id, w.uid, w.created, a.media_url AS posted_media_url
      FROM written w JOIN accepted a ON a.integration_id = w.integration_id AND a.uid = w.uid
    ),
    announced AS (
      INSERT INTO outbox (topic, key, payload)
      SELECT t.topic, r.id::text, CASE t.topic
          WHEN 'media' THEN jsonb_build_object('communication_id', r.id, 'url', r.posted_media_url)
          WHEN 'crm' THEN jsonb_build_object('communication_id', r.id, 'event', CASE WHEN r.created THEN 'call.created' ELSE 'call.updated' END)
          ELSE jsonb_build_object('communication_id', r.id) END
      FROM results r CROSS JOIN (VALUES ('search'), ('crm'), ('media')) AS t(topic)
      WHERE t.topic <> 'media' OR r.posted_media_url IS NOT NULL
    )
    SELECT results.idx, results.id, results.uid, results.created FROM results;
  END
  $fn$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION earshot_write_call_batch(jsonb)`.execute(db);
}
