// Admin console sessions, stored by token hash.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

export interface ConsoleSessionRow {
  csrf_token: string;
  expires_at: Date;
}

export async function insertSession(db: Executor, values: { token_hash: string; csrf_token: string; expires_at: Date }): Promise<void> {
  await db.insertInto('console_sessions').values(values).execute();
}

/** A live session by token hash; expired ones are not returned. */
export async function findSession(db: Executor, tokenHash: string): Promise<ConsoleSessionRow | undefined> {
  return db
    .selectFrom('console_sessions')
    .select(['csrf_token', 'expires_at'])
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

export async function deleteSession(db: Executor, tokenHash: string): Promise<void> {
  await db.deleteFrom('console_sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteExpiredSessions(db: Executor): Promise<void> {
  await db.deleteFrom('console_sessions').where('expires_at', '<=', sql<Date>`now()`).execute();
}
