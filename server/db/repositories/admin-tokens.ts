// Admin token hashes.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

export async function countAdminTokens(db: Executor): Promise<number> {
  const row = await db.selectFrom('admin_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertAdminToken(db: Executor, tokenHash: string): Promise<void> {
  await db.insertInto('admin_tokens').values({ token_hash: tokenHash }).onConflict((oc) => oc.column('token_hash').doNothing()).execute();
}

export async function listAdminTokenHashes(db: Executor): Promise<string[]> {
  const rows = await db.selectFrom('admin_tokens').select('token_hash').execute();
  return rows.map((r) => r.token_hash);
}

/** Serialises first-start seeding across instances (held until the transaction ends). */
export async function lockAdminTokens(db: Executor): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('earshot.admin_tokens'))`.execute(db);
}
