// Admin console sessions (stored by token hash) and failed logins (counted for rate limiting).
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

export async function recordLoginFailure(db: Executor, client: string): Promise<void> {
  await db.insertInto('console_login_failures').values({ client }).execute();
}

export async function countLoginFailures(db: Executor, client: string, windowSeconds: number): Promise<number> {
  const row = await db
    .selectFrom('console_login_failures')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('client', '=', client)
    .where('at', '>', sql<Date>`now() - make_interval(secs => ${windowSeconds})`)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function forgetLoginFailures(db: Executor, client: string): Promise<void> {
  await db.deleteFrom('console_login_failures').where('client', '=', client).execute();
}

export async function deleteOldLoginFailures(db: Executor, windowSeconds: number): Promise<void> {
  await db.deleteFrom('console_login_failures').where('at', '<=', sql<Date>`now() - make_interval(secs => ${windowSeconds})`).execute();
}
