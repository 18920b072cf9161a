// Tokens a user holds: sign-in sessions (12 h), personal API tokens (shown once, optional expiry) and
// one-time invites (7 days) where a new user sets a password. Stored as HMACs under the secret key.
import { generateToken, hashToken } from '../domain/tokens.js';
import type { Executor } from '../db/repositories/executor.js';
import * as repo from '../db/repositories/user-tokens.js';

export interface UserTokenSettings {
  sessionSeconds: number;
  inviteSeconds: number;
}

export const DEFAULT_USER_TOKEN_SETTINGS: UserTokenSettings = { sessionSeconds: 12 * 3600, inviteSeconds: 7 * 24 * 3600 };

export interface PersonalTokenView {
  id: string;
  name: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

const view = (row: repo.UserTokenRecord): PersonalTokenView => ({
  id: row.id,
  name: row.name,
  created_at: row.created_at.toISOString(),
  expires_at: row.expires_at?.toISOString() ?? null,
  last_used_at: row.last_used_at?.toISOString() ?? null,
});

const PREFIX: Record<repo.UserTokenKind, string> = { session: 'ess', personal: 'esp', invite: 'esi' };
/** last_used_at is written at most this often (a busy API client must not write on every request). */
const TOUCH_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class UserTokens {
  constructor(
    private readonly db: Executor,
    private readonly secretKey: string,
    private readonly publicUrl: string,
    private readonly settings: UserTokenSettings = DEFAULT_USER_TOKEN_SETTINGS,
  ) {}

  /** A one-time invite for a user (in the caller's transaction); returns the invite URL to hand over. */
  async invite(db: Executor, userId: string): Promise<string> {
    await repo.deleteUserTokens(db, userId, ['invite']);
    const token = await this.issue(db, userId, 'invite', null, this.settings.inviteSeconds);
    return `${this.publicUrl.replace(/\/+$/, '')}/console/invite/${encodeURIComponent(token)}`;
  }

  /** A sign-in session token (12 h). */
  session(userId: string): Promise<string> {
    return this.issue(this.db, userId, 'session', null, this.settings.sessionSeconds);
  }

  async createPersonal(userId: string, name: string, expiresInDays: number | undefined): Promise<{ id: string; token: string } & PersonalTokenView> {
    const token = generateToken(PREFIX.personal);
    const row = await repo.insertUserToken(this.db, {
      user_id: userId,
      kind: 'personal',
      name,
      token_hash: hashToken(token, this.secretKey),
      expires_at: expiresInDays === undefined ? null : new Date(Date.now() + expiresInDays * 86_400_000),
    });
    return { ...view(row), token };
  }

  async listPersonal(userId: string): Promise<PersonalTokenView[]> {
    return (await repo.listPersonalTokens(this.db, userId)).map(view);
  }

  /** Revokes a personal token of the user; false when it has none with that id. */
  async revokePersonal(userId: string, id: string): Promise<boolean> {
    return UUID.test(id) && repo.deleteUserToken(this.db, userId, id, 'personal');
  }

  async endSession(token: string): Promise<void> {
    const found = await repo.findLiveUserToken(this.db, hashToken(token, this.secretKey), ['session']);
    if (found) await repo.deleteUserToken(this.db, found.user_id, found.id, 'session');
  }

  /** The live session or personal token's user (an inactive user's tokens are dead), marking it used. */
  async resolve(token: string): Promise<{ userId: string; kind: repo.UserTokenKind } | undefined> {
    // Integration tokens reach here too (the clients API): only a session's or personal token's prefix is worth a lookup.
    if (!token.startsWith(`${PREFIX.session}_`) && !token.startsWith(`${PREFIX.personal}_`)) return undefined;
    const found = await repo.findLiveUserToken(this.db, hashToken(token, this.secretKey), ['session', 'personal']);
    if (!found) return undefined;
    if (found.last_used_at === null || Date.now() - found.last_used_at.getTime() > TOUCH_MS) await repo.touchUserToken(this.db, found.id);
    return { userId: found.user_id, kind: found.kind };
  }

  /** The user a live invite belongs to. */
  async inviteOwner(db: Executor, token: string): Promise<string | undefined> {
    return (await repo.findLiveUserToken(db, hashToken(token, this.secretKey), ['invite']))?.user_id;
  }

  private async issue(db: Executor, userId: string, kind: repo.UserTokenKind, name: string | null, ttlSeconds: number): Promise<string> {
    await repo.deleteExpiredUserTokens(db);
    const token = generateToken(PREFIX[kind]);
    await repo.insertUserToken(db, { user_id: userId, kind, name, token_hash: hashToken(token, this.secretKey), expires_at: new Date(Date.now() + ttlSeconds * 1000) });
    return token;
  }
}
