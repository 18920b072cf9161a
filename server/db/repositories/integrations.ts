// Integrations: the PBXes and chat platforms that post to earshot, each with its own hashed token.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

const COLUMNS = ['id', 'name', 'kind', 'default_timezone', 'active', 'created_at', 'updated_at'] as const;

export interface IntegrationRecord {
  id: string;
  name: string;
  kind: string;
  default_timezone: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export async function insertIntegration(
  db: Executor,
  values: { name: string; default_timezone: string | null; token_hash: string },
): Promise<IntegrationRecord> {
  return db.insertInto('integrations').values(values).returning(COLUMNS).executeTakeFirstOrThrow();
}

export async function listIntegrations(db: Executor): Promise<IntegrationRecord[]> {
  return db.selectFrom('integrations').select(COLUMNS).orderBy('created_at').orderBy('id').execute();
}

export async function findIntegrationWithHash(db: Executor, id: string): Promise<(IntegrationRecord & { token_hash: string }) | undefined> {
  return db.selectFrom('integrations').select([...COLUMNS, 'token_hash']).where('id', '=', id).executeTakeFirst();
}

/** The active integration whose token hashes to this (tokens are HMAC-hashed, so the hash finds it). */
export async function findActiveIntegrationByTokenHash(db: Executor, tokenHash: string): Promise<IntegrationRecord | undefined> {
  return db.selectFrom('integrations').select([...COLUMNS]).where('token_hash', '=', tokenHash).where('active', '=', true).executeTakeFirst();
}

export async function updateIntegrationTokenHash(db: Executor, id: string, tokenHash: string): Promise<IntegrationRecord | undefined> {
  return db
    .updateTable('integrations')
    .set({ token_hash: tokenHash, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returning(COLUMNS)
    .executeTakeFirst();
}
