// Use cases of the console login: sign in with email and password (a user) or with the admin token (the owner),
// both under the lockout per client address; resolve a session cookie to its CSRF token and principal (a
// deactivated user's session is dead at once); sign out. Session tokens are stored hashed.
import { randomBytes } from 'node:crypto';
import { generateToken, hashToken } from '../domain/tokens.js';
import * as repo from '../db/repositories/console-sessions.js';
import type { Executor } from '../db/repositories/executor.js';
import type { Principal } from '../domain/principal.js';
import type { AdminAuth } from './admin-auth.js';
import type { RequestAudit } from './audit-log.js';
import type { UserAuth } from './user-auth.js';

export interface ConsoleSessionSettings {
  /** How long a session lives after sign-in. */
  ttlSeconds: number;
}

export const DEFAULT_CONSOLE_SESSION_SETTINGS: ConsoleSessionSettings = { ttlSeconds: 12 * 3600 };

export interface ConsoleSession {
  csrfToken: string;
  principal: Principal;
}

export class ConsoleSessions {
  constructor(
    private readonly db: Executor,
    private readonly adminAuth: AdminAuth,
    private readonly userAuth: UserAuth,
    private readonly secretKey: string,
    private readonly settings: ConsoleSessionSettings = DEFAULT_CONSOLE_SESSION_SETTINGS,
  ) {}

  get ttlSeconds(): number {
    return this.settings.ttlSeconds;
  }

  /** Checks the admin token and opens a session; returns the session token for the cookie. */
  async signIn(adminToken: string, client: string): Promise<{ token: string; session: ConsoleSession }> {
    await this.adminAuth.authenticate(adminToken, client);
    return this.open(null);
  }

  /** Checks a user's email and password and opens a session for the user. */
  async signInUser(email: string, password: string, client: string, audit: RequestAudit): Promise<{ token: string; session: ConsoleSession }> {
    const user = await this.userAuth.verify(email, password, client, audit);
    return this.open(user.id);
  }

  /** Opens a session for a user who has just proved who they are (set a password through an invite). */
  async open(userId: string | null): Promise<{ token: string; session: ConsoleSession }> {
    await repo.deleteExpiredSessions(this.db);
    const token = generateToken('ess');
    const csrfToken = randomBytes(24).toString('base64url');
    await repo.insertSession(this.db, {
      token_hash: hashToken(token, this.secretKey),
      csrf_token: csrfToken,
      expires_at: new Date(Date.now() + this.settings.ttlSeconds * 1000),
      user_id: userId,
    });
    const principal = userId === null ? ({ type: 'admin_token' } as const) : await this.userAuth.activeUser(userId);
    if (!principal) throw new Error('a console session for a user who is not active');
    return { token, session: { csrfToken, principal } };
  }

  /** The live session a cookie names, or undefined. */
  async resolve(token: string | undefined): Promise<ConsoleSession | undefined> {
    if (!token || token.length > 200) return undefined;
    const row = await repo.findSession(this.db, hashToken(token, this.secretKey));
    if (!row) return undefined;
    const principal = row.user_id === null ? ({ type: 'admin_token' } as const) : await this.userAuth.activeUser(row.user_id);
    return principal ? { csrfToken: row.csrf_token, principal } : undefined;
  }

  async signOut(token: string): Promise<void> {
    await repo.deleteSession(this.db, hashToken(token, this.secretKey));
  }
}
