// Search: the Postgres search index (documents with a Russian + simple tsvector), the NOTIFY that wakes
// outbox consumers, and a record of job runs.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Documents as built by search/document.ts; filterable attributes in `doc`, text in `content`.
  await sql`
    CREATE TABLE search_documents (
      id uuid PRIMARY KEY,
      doc jsonb NOT NULL,
      started_at float8 NOT NULL,
      operator_id uuid,
      duration float8,
      nps float8,
      content text NOT NULL DEFAULT '',
      tsv tsvector NOT NULL,
      indexed_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX search_documents_doc_idx ON search_documents USING gin (doc jsonb_path_ops)`.execute(db);
  await sql`CREATE INDEX search_documents_tsv_idx ON search_documents USING gin (tsv)`.execute(db);
  await sql`CREATE INDEX search_documents_started_idx ON search_documents (started_at, id)`.execute(db);
  // An operator's calls over a period: the supervisor's everyday question.
  await sql`CREATE INDEX search_documents_operator_idx ON search_documents (operator_id, started_at, id)`.execute(db);
  await sql`CREATE INDEX search_documents_duration_idx ON search_documents (coalesce(duration, '-Infinity'::float8), id)`.execute(db);
  await sql`CREATE INDEX search_documents_nps_idx ON search_documents (coalesce(nps, '-Infinity'::float8), id)`.execute(db);
  // A number out of a jsonb value, null for anything else; immutable so expression indexes can use it.
  await sql`
    CREATE FUNCTION earshot_number(value jsonb) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
    $$ SELECT CASE WHEN jsonb_typeof(value) = 'number' THEN (value #>> '{}')::float8 END $$`.execute(db);
  // Word stems (Russian, and English for Latin words) plus exact lowercased words.
  await sql`
    CREATE FUNCTION earshot_tsvector(content text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
    $$ SELECT to_tsvector('pg_catalog.russian', content) || to_tsvector('pg_catalog.simple', content) $$`.execute(db);

  await sql`
    CREATE FUNCTION earshot_notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE topic text;
    BEGIN
      FOR topic IN SELECT DISTINCT n.topic FROM new_rows n LOOP
        PERFORM pg_notify('earshot_outbox', topic);
      END LOOP;
      RETURN NULL;
    END $fn$`.execute(db);
  await sql`
    CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION earshot_notify_outbox()`.execute(db);

  await sql`
    CREATE TABLE job_runs (
      name text PRIMARY KEY,
      last_started_at timestamptz,
      last_finished_at timestamptz,
      last_error text,
      runs bigint NOT NULL DEFAULT 0,
      failures bigint NOT NULL DEFAULT 0
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE job_runs`.execute(db);
  await sql`DROP TRIGGER outbox_notify ON outbox`.execute(db);
  await sql`DROP FUNCTION earshot_notify_outbox()`.execute(db);
  await sql`DROP TABLE search_documents`.execute(db);
  await sql`DROP FUNCTION earshot_tsvector(text)`.execute(db);
  await sql`DROP FUNCTION earshot_number(jsonb)`.execute(db);
}
