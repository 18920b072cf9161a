// Admin console sessions, stored by token hash.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

export interface ConsoleSessionRow {
  csrf_token: string;
  expires_at: Date;
  user_id: string | null;
}

export async function insertSession(db: Executor, values: { token_hash: string; csrf_token: string; expires_at: Date; user_id: string | null }): Promise<void> {
  await db.insertInto('console_sessions').values(values).execute();
}

/** A live session by token hash; expired ones are not returned. */
export async function findSession(db: Executor, tokenHash: string): Promise<ConsoleSessionRow | undefined> {
  return db
    .selectFrom('console_sessions')
    .select(['csrf_token', 'expires_at', 'user_id'])
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/** Ends every console session of a user (deactivation, a new password). */
export async function deleteUserSessions(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom('console_sessions').where('user_id', '=', userId).execute();
}

export async function deleteSession(db: Executor, tokenHash: string): Promise<void> {
  await db.deleteFrom('console_sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteExpiredSessions(db: Executor): Promise<void> {
  await db.deleteFrom('console_sessions').where('expires_at', '<=', sql<Date>`now()`).execute();
}
