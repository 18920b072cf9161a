// Quality evaluation (issue 18): evaluation forms, each edit a new version (evaluations keep the version
// they were made with); evaluations of a call or chat with their answers and result; comments pinned to
// a moment of the recording with a flag.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE evaluation_forms (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      current_version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE evaluation_form_versions (
      form_id uuid NOT NULL REFERENCES evaluation_forms(id) ON DELETE CASCADE,
      version integer NOT NULL CHECK (version > 0),
      name text NOT NULL,
      scoring text NOT NULL CHECK (scoring IN ('numeric_simple_sum', 'numeric_simple_average', 'numeric_weighted_average',
        'percentage_simple_sum', 'percentage_simple_average', 'percentage_weighted_average')),
      groups jsonb NOT NULL,
      zones jsonb NOT NULL,
      kinds text[] NOT NULL,
      department_ids uuid[] NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (form_id, version)
    )`.execute(db);
  await sql`
    CREATE TABLE evaluations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
      communication_id uuid NOT NULL REFERENCES communications(id) ON DELETE CASCADE,
      operator_id uuid REFERENCES operators(id) ON DELETE SET NULL,
      department_id uuid REFERENCES departments(id) ON DELETE SET NULL,
      form_id uuid NOT NULL,
      form_version integer NOT NULL,
      evaluator_type text NOT NULL CHECK (evaluator_type IN ('user', 'admin_token')),
      evaluator_id uuid REFERENCES users(id) ON DELETE RESTRICT,
      score double precision NOT NULL,
      zone text,
      group_scores jsonb NOT NULL,
      answers jsonb NOT NULL,
      comment text,
      created_at timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (form_id, form_version) REFERENCES evaluation_form_versions(form_id, version) ON DELETE RESTRICT,
      CONSTRAINT evaluations_evaluator CHECK ((evaluator_type = 'user') = (evaluator_id IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX evaluations_communication ON evaluations (communication_id)`.execute(db);
  await sql`CREATE INDEX evaluations_operator ON evaluations (operator_id, seq)`.execute(db);
  await sql`CREATE INDEX evaluations_department ON evaluations (department_id, seq)`.execute(db);
  await sql`CREATE INDEX evaluations_form ON evaluations (form_id, seq)`.execute(db);
  await sql`CREATE INDEX evaluations_evaluator ON evaluations (evaluator_id, seq)`.execute(db);
  await sql`CREATE INDEX evaluations_created ON evaluations (created_at)`.execute(db);
  await sql`
    CREATE TABLE communication_comments (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      communication_id uuid NOT NULL REFERENCES communications(id) ON DELETE CASCADE,
      author_type text NOT NULL CHECK (author_type IN ('user', 'admin_token')),
      author_id uuid REFERENCES users(id) ON DELETE RESTRICT,
      text text NOT NULL,
      at_seconds double precision CHECK (at_seconds >= 0),
      flag text CHECK (flag IN ('red', 'yellow', 'green')),
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT communication_comments_author CHECK ((author_type = 'user') = (author_id IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX communication_comments_communication ON communication_comments (communication_id, created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE communication_comments`.execute(db);
  await sql`DROP TABLE evaluations`.execute(db);
  await sql`DROP TABLE evaluation_form_versions`.execute(db);
  await sql`DROP TABLE evaluation_forms`.execute(db);
}
