// Use cases: create integrations, rotate their tokens, and authenticate ingest requests.
import { generateToken, hashToken, tokenMatches } from '../domain/tokens.js';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { NotFound, TooManyRequests, Unauthorized } from '../domain/errors.js';
import {
  findActiveIntegrationByTokenHash,
  findIntegrationWithHash,
  insertIntegration,
  listIntegrations,
  updateIntegrationTokenHash,
  type IntegrationRecord,
} from '../db/repositories/integrations.js';
import type { Executor } from '../db/repositories/executor.js';
import { TtlCache } from './ttl-cache.js';

export type AuthenticatedIntegration = IntegrationRecord;

export interface IntegrationView {
  id: string;
  name: string;
  kind: string;
  default_timezone: string | null;
  active: boolean;
  phone_calls_url: string;
  chats_url: string;
  created_at: string;
}

export class Integrations {
  private readonly cache: TtlCache<string, (IntegrationRecord & { token_hash: string }) | undefined>;
  private readonly limiter: RateLimiterMemory | undefined;

  constructor(
    private readonly db: Executor,
    private readonly secretKey: string,
    private readonly publicUrl: string,
    cacheSeconds: number,
    /** Requests per second one integration may make (0: no limit). */
    ratePerSecond = 0,
  ) {
    this.cache = new TtlCache(cacheSeconds * 1000);
    this.limiter = ratePerSecond > 0 ? new RateLimiterMemory({ points: ratePerSecond, duration: 1 }) : undefined;
  }

  async create(input: { name: string; default_timezone?: string | null | undefined }): Promise<IntegrationView & { token: string }> {
    const token = generateToken('esi');
    const row = await insertIntegration(this.db, {
      name: input.name,
      default_timezone: input.default_timezone ?? null,
      token_hash: hashToken(token, this.secretKey),
    });
    return { ...this.view(row), token };
  }

  async list(): Promise<IntegrationView[]> {
    return (await listIntegrations(this.db)).map((row) => this.view(row));
  }

  async rotateToken(id: string): Promise<IntegrationView & { token: string }> {
    const token = generateToken('esi');
    const row = await updateIntegrationTokenHash(this.db, id, hashToken(token, this.secretKey));
    if (!row) throw new NotFound('integration', 'integration_not_found');
    this.cache.delete(id);
    return { ...this.view(row), token };
  }

  /**
   * The integration a token opens; NotFound for an unknown id, Unauthorized for a wrong token,
   * TooManyRequests once the integration is over its rate (only authenticated requests count).
   */
  async authenticate(id: string, token: string | undefined): Promise<IntegrationRecord> {
    const row = await this.cache.get(id, () => findIntegrationWithHash(this.db, id));
    if (!row) throw new NotFound('integration', 'integration_not_found');
    if (!token || !tokenMatches(token, row.token_hash, this.secretKey) || !row.active) throw new Unauthorized();
    await this.limiter?.consume(id).catch((refusal: unknown) => {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      throw new TooManyRequests(Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)), 'this integration is over its request rate');
    });
    return row;
  }

  /** Whether an integration has this id (active or not). */
  async exists(id: string): Promise<boolean> {
    return (await this.cache.get(id, () => findIntegrationWithHash(this.db, id))) !== undefined;
  }

  /** The integration a token belongs to, for endpoints whose path names none (the clients API). */
  async authenticateToken(token: string | undefined): Promise<IntegrationRecord> {
    if (!token) throw new Unauthorized();
    const row = await findActiveIntegrationByTokenHash(this.db, hashToken(token, this.secretKey));
    if (!row) throw new Unauthorized();
    return this.authenticate(row.id, token);
  }

  private view(row: IntegrationRecord): IntegrationView {
    const base = `${this.publicUrl}/api/v1/integrations/${row.id}`;
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      default_timezone: row.default_timezone,
      active: row.active,
      phone_calls_url: `${base}/phone_calls`,
      chats_url: `${base}/chats`,
      created_at: row.created_at.toISOString(),
    };
  }
}
