// Use cases of the admin console login: sign in with the admin token (under AdminAuth's lockout per client),
// resolve a session cookie to its CSRF token, sign out. Session tokens are stored hashed.
import { randomBytes } from 'node:crypto';
import { generateToken, hashToken } from '../domain/tokens.js';
import * as repo from '../db/repositories/console-sessions.js';
import type { Executor } from '../db/repositories/executor.js';
import type { AdminAuth } from './admin-auth.js';

export interface ConsoleSessionSettings {
  /** How long a session lives after sign-in. */
  ttlSeconds: number;
}

export const DEFAULT_CONSOLE_SESSION_SETTINGS: ConsoleSessionSettings = { ttlSeconds: 12 * 3600 };

export interface ConsoleSession {
  csrfToken: string;
}

export class ConsoleSessions {
  constructor(
    private readonly db: Executor,
    private readonly adminAuth: AdminAuth,
    private readonly secretKey: string,
    private readonly settings: ConsoleSessionSettings = DEFAULT_CONSOLE_SESSION_SETTINGS,
  ) {}

  get ttlSeconds(): number {
    return this.settings.ttlSeconds;
  }

  /** Checks the admin token and opens a session; returns the session token for the cookie. */
  async signIn(adminToken: string, client: string): Promise<{ token: string; session: ConsoleSession }> {
    await this.adminAuth.authenticate(adminToken, client);
    await repo.deleteExpiredSessions(this.db);
    const token = generateToken('ess');
    const csrfToken = randomBytes(24).toString('base64url');
    await repo.insertSession(this.db, {
      token_hash: hashToken(token, this.secretKey),
      csrf_token: csrfToken,
      expires_at: new Date(Date.now() + this.settings.ttlSeconds * 1000),
    });
    return { token, session: { csrfToken } };
  }

  /** The live session a cookie names, or undefined. */
  async resolve(token: string | undefined): Promise<ConsoleSession | undefined> {
    if (!token || token.length > 200) return undefined;
    const row = await repo.findSession(this.db, hashToken(token, this.secretKey));
    return row ? { csrfToken: row.csrf_token } : undefined;
  }

  async signOut(token: string): Promise<void> {
    await repo.deleteSession(this.db, hashToken(token, this.secretKey));
  }
}
