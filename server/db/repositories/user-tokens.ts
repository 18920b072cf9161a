// Tokens of users — sign-in sessions, personal API tokens, one-time invites — kept as HMACs only.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

export type UserTokenKind = 'session' | 'personal' | 'invite';

export interface UserTokenRecord {
  id: string;
  name: string | null;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}

export async function insertUserToken(db: Executor, values: { user_id: string; kind: UserTokenKind; name: string | null; token_hash: string; expires_at: Date | null }): Promise<UserTokenRecord> {
  return db.insertInto('user_tokens').values(values).returning(['id', 'name', 'created_at', 'expires_at', 'last_used_at']).executeTakeFirstOrThrow();
}

/** The live token of this kind with this hash (not expired, its user active): the user's id and the token's. */
export async function findLiveUserToken(db: Executor, tokenHash: string, kinds: UserTokenKind[]): Promise<{ id: string; user_id: string; kind: UserTokenKind; last_used_at: Date | null } | undefined> {
  return db
    .selectFrom('user_tokens')
    .innerJoin('users', 'users.id', 'user_tokens.user_id')
    .select(['user_tokens.id', 'user_tokens.user_id', 'user_tokens.kind', 'user_tokens.last_used_at'])
    .where('user_tokens.token_hash', '=', tokenHash)
    .where('user_tokens.kind', 'in', kinds)
    .where('users.active', '=', true)
    .where((eb) => eb.or([eb('user_tokens.expires_at', 'is', null), eb('user_tokens.expires_at', '>', sql<Date>`now()`)]))
    .executeTakeFirst();
}

/** Marks a token used (the service calls it at most once a minute per token; the condition keeps concurrent calls to one write). */
export async function touchUserToken(db: Executor, id: string): Promise<void> {
  await db
    .updateTable('user_tokens')
    .set({ last_used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`)]))
    .execute();
}

export async function listPersonalTokens(db: Executor, userId: string): Promise<UserTokenRecord[]> {
  return db.selectFrom('user_tokens').select(['id', 'name', 'created_at', 'expires_at', 'last_used_at']).where('user_id', '=', userId).where('kind', '=', 'personal').orderBy('created_at').execute();
}

export async function deleteUserToken(db: Executor, userId: string, id: string, kind: UserTokenKind): Promise<boolean> {
  const result = await db.deleteFrom('user_tokens').where('id', '=', id).where('user_id', '=', userId).where('kind', '=', kind).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Ends every session, personal token and invite of a user (deactivation), or only some kinds. */
export async function deleteUserTokens(db: Executor, userId: string, kinds: UserTokenKind[] = ['session', 'personal', 'invite']): Promise<void> {
  await db.deleteFrom('user_tokens').where('user_id', '=', userId).where('kind', 'in', kinds).execute();
}

export async function deleteExpiredUserTokens(db: Executor): Promise<void> {
  await db.deleteFrom('user_tokens').where('expires_at', '<', sql<Date>`now()`).execute();
}
