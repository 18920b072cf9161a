// Use case: the admin token — seeded on first start, verified on every admin request under the lockout of
// failed attempts per client address (AuthFailures).
import { generateToken, hashToken, tokenMatches } from '../domain/tokens.js';
import { Unauthorized } from '../domain/errors.js';
import { countAdminTokens, lockAdminTokens, insertAdminToken, listAdminTokenHashes } from '../db/repositories/admin-tokens.js';
import type { Executor } from '../db/repositories/executor.js';
import type { AuthFailures } from './auth-failures.js';
import { TtlCache } from './ttl-cache.js';

export class AdminAuth {
  private readonly hashes: TtlCache<'all', string[]>;

  constructor(
    private readonly db: Executor,
    private readonly secretKey: string,
    cacheSeconds: number,
    private readonly failures: AuthFailures,
  ) {
    this.hashes = new TtlCache(cacheSeconds * 1000);
  }

  /**
   * Stores the configured admin token when none exists yet; generates one when none is configured.
   * Returns the generated token (to be shown once) or undefined.
   */
  async ensureAdminToken(configured: string | undefined): Promise<string | undefined> {
    return this.db.transaction().execute(async (trx) => {
      await lockAdminTokens(trx);
      if ((await countAdminTokens(trx)) > 0) return undefined;
      const token = configured ?? generateToken('esa');
      await insertAdminToken(trx, hashToken(token, this.secretKey));
      this.hashes.clear();
      return configured ? undefined : token;
    });
  }

  /**
   * Accepts the admin token from `client` unless that address is locked out. `alternative` may accept other
   * tokens (integration tokens on the clients API); only a token neither accepts counts as a failure.
   * Returns what `alternative` returned when it accepted the token, undefined for the admin token.
   */
  async authenticate<T>(token: string | undefined, client: string, alternative?: (token: string) => Promise<T>): Promise<T | undefined> {
    if (!token) throw new Unauthorized();
    if (await this.matches(token)) {
      await this.failures.succeeded(client, await this.failures.assertNotLocked(client));
      return undefined;
    }
    if (alternative) {
      try {
        return await alternative(token);
      } catch (error) {
        if (!(error instanceof Unauthorized)) throw error;
      }
    }
    await this.failures.assertNotLocked(client);
    await this.failures.failed(client);
    throw new Unauthorized();
  }

  private async matches(token: string): Promise<boolean> {
    const hashes = await this.hashes.get('all', () => listAdminTokenHashes(this.db));
    // Compare against every stored hash so timing does not reveal which one matched.
    return hashes.map((hash) => tokenMatches(token, hash, this.secretKey)).some(Boolean);
  }
}
