// Use case: the admin token — seeded on first start, verified on every admin request.
import { generateToken, hashToken, tokenMatches } from '../domain/tokens.js';
import { Unauthorized } from '../domain/errors.js';
import { countAdminTokens, lockAdminTokens, insertAdminToken, listAdminTokenHashes } from '../db/repositories/admin-tokens.js';
import type { Executor } from '../db/repositories/executor.js';
import { TtlCache } from './ttl-cache.js';

export class AdminAuth {
  private readonly hashes: TtlCache<'all', string[]>;

  constructor(
    private readonly db: Executor,
    private readonly secretKey: string,
    cacheSeconds: number,
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

  async verify(token: string | undefined): Promise<void> {
    if (!token) throw new Unauthorized();
    const hashes = await this.hashes.get('all', () => listAdminTokenHashes(this.db));
    // Compare against every stored hash so timing does not reveal which one matched.
    const matched = hashes.map((hash) => tokenMatches(token, hash, this.secretKey)).some(Boolean);
    if (!matched) throw new Unauthorized();
  }
}
