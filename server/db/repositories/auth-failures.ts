// Failed admin-token attempts (console sign-in and the admin API), per client address, for the lockout.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

export async function recordAuthFailure(db: Executor, client: string): Promise<void> {
  await db.insertInto('console_login_failures').values({ client }).execute();
}

/** The times of a client's failures within the window, newest first, at most `limit` of them. */
export async function recentAuthFailures(db: Executor, client: string, windowSeconds: number, limit: number): Promise<Date[]> {
  const rows = await db
    .selectFrom('console_login_failures')
    .select('at')
    .where('client', '=', client)
    .where('at', '>', sql<Date>`now() - make_interval(secs => ${windowSeconds})`)
    .orderBy('at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => row.at);
}

export async function forgetAuthFailures(db: Executor, client: string): Promise<void> {
  await db.deleteFrom('console_login_failures').where('client', '=', client).execute();
}

export async function deleteOldAuthFailures(db: Executor, windowSeconds: number): Promise<void> {
  await db.deleteFrom('console_login_failures').where('at', '<=', sql<Date>`now() - make_interval(secs => ${windowSeconds})`).execute();
}
