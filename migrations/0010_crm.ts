// CRM push: connectors (config, rules, secrets encrypted with AES-256-GCM, state) and deliveries (one per
// connector × communication × event, keyed so a replay or a second instance never doubles one), with the
// log of every attempt.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE crm_connectors (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('webhook', 'bitrix24', 'amocrm', 'usedesk', 'zoho_desk')),
      config jsonb NOT NULL,
      rules jsonb NOT NULL,
      secrets text NOT NULL,
      state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'inactive', 'broken')),
      broken_reason text,
      max_concurrency int NOT NULL DEFAULT 8,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE crm_deliveries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      connector_id uuid NOT NULL REFERENCES crm_connectors (id) ON DELETE CASCADE,
      communication_id uuid NOT NULL REFERENCES communications (id) ON DELETE CASCADE,
      event text NOT NULL,
      delivery_key text NOT NULL UNIQUE,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead', 'paused')),
      attempts int NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      first_attempt_at timestamptz,
      delivered_at timestamptz,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX crm_deliveries_due_idx ON crm_deliveries (next_attempt_at) WHERE state = 'pending'`.execute(db);
  await sql`CREATE INDEX crm_deliveries_connector_idx ON crm_deliveries (connector_id, state, created_at)`.execute(db);
  await sql`CREATE INDEX crm_deliveries_communication_idx ON crm_deliveries (communication_id)`.execute(db);
  await sql`
    CREATE TABLE crm_delivery_attempts (
      id bigserial PRIMARY KEY,
      delivery_id uuid NOT NULL REFERENCES crm_deliveries (id) ON DELETE CASCADE,
      attempt int NOT NULL,
      started_at timestamptz NOT NULL,
      duration_ms int NOT NULL,
      outcome text NOT NULL,
      request jsonb NOT NULL,
      response_status int,
      response_excerpt text,
      error text
    )`.execute(db);
  await sql`CREATE INDEX crm_delivery_attempts_delivery_idx ON crm_delivery_attempts (delivery_id, attempt)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE crm_delivery_attempts, crm_deliveries, crm_connectors`.execute(db);
}
