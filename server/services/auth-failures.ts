// The lockout after failed admin-token attempts, shared by the console sign-in and the admin API: past
// `maxFailures` wrong tokens within the window, a client address is refused (even the right token) until
// its oldest counted failure leaves the window. Counted in Postgres, so replicas and restarts share it.
import { TooManyRequests } from '../domain/errors.js';
import { deleteOldAuthFailures, forgetAuthFailures, recentAuthFailures, recordAuthFailure } from '../db/repositories/auth-failures.js';
import type { Executor } from '../db/repositories/executor.js';

export interface AuthFailureSettings {
  /** Wrong tokens one client address may send within the window before it is locked out. */
  maxFailures: number;
  windowSeconds: number;
}

export const DEFAULT_AUTH_FAILURE_SETTINGS: AuthFailureSettings = { maxFailures: 10, windowSeconds: 15 * 60 };

export class AuthFailures {
  constructor(
    private readonly db: Executor,
    private readonly settings: AuthFailureSettings = DEFAULT_AUTH_FAILURE_SETTINGS,
  ) {}

  /** Throws TooManyRequests while the client is locked out; otherwise returns its failures in the window. */
  async assertNotLocked(client: string): Promise<number> {
    const { maxFailures, windowSeconds } = this.settings;
    const failures = await recentAuthFailures(this.db, client, windowSeconds, maxFailures);
    if (failures.length < maxFailures) return failures.length;
    const liftsAt = failures[maxFailures - 1]!.getTime() + windowSeconds * 1000;
    throw new TooManyRequests(Math.max(1, Math.ceil((liftsAt - Date.now()) / 1000)), 'too many failed attempts with a wrong token');
  }

  async failed(client: string): Promise<void> {
    await recordAuthFailure(this.db, client);
    await deleteOldAuthFailures(this.db, this.settings.windowSeconds);
  }

  /** A right token clears the client's count (`failures` as assertNotLocked returned it). */
  async succeeded(client: string, failures: number): Promise<void> {
    if (failures > 0) await forgetAuthFailures(this.db, client);
  }
}
