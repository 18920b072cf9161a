// Chats beside calls (channel, messages merged by message id), typed client attributes, tag dictionaries
// (client tags assigned to clients; session tags are communications.tags), aliases of merged clients, and
// integration lookup by token hash (the clients API takes any integration's token without its id).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE communications ADD COLUMN channel text`.execute(db);

  await sql`
    CREATE TABLE messages (
      communication_id uuid NOT NULL REFERENCES communications (id) ON DELETE CASCADE,
      message_id text NOT NULL,
      author text NOT NULL CHECK (author IN ('client', 'operator', 'bot')),
      text text NOT NULL,
      sent_at timestamptz NOT NULL,
      PRIMARY KEY (communication_id, message_id)
    )`.execute(db);
  await sql`CREATE INDEX messages_order_idx ON messages (communication_id, sent_at, message_id)`.execute(db);

  await sql`
    CREATE TABLE client_attributes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      type text NOT NULL CHECK (type IN ('string', 'number', 'boolean', 'datetime')),
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX client_attributes_name_key ON client_attributes (lower(name))`.execute(db);
  await sql`
    CREATE TABLE client_attribute_values (
      client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
      attribute_id uuid NOT NULL REFERENCES client_attributes (id) ON DELETE CASCADE,
      value jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (client_id, attribute_id)
    )`.execute(db);

  await sql`
    CREATE TABLE tags (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      scope text NOT NULL CHECK (scope IN ('client', 'session')),
      name text NOT NULL,
      archived boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX tags_scope_name_key ON tags (scope, lower(name))`.execute(db);
  await sql`
    CREATE TABLE client_tags (
      client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
      tag_id uuid NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (client_id, tag_id)
    )`.execute(db);

  await sql`
    CREATE TABLE client_aliases (
      external_id text PRIMARY KEY,
      client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
      merged_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`CREATE INDEX integrations_token_hash_idx ON integrations (token_hash)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX integrations_token_hash_idx`.execute(db);
  await sql`DROP TABLE client_aliases, client_tags, tags, client_attribute_values, client_attributes, messages`.execute(db);
  await sql`ALTER TABLE communications DROP COLUMN channel`.execute(db);
}
