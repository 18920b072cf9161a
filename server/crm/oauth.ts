// OAuth 2.0 refresh for the CRM adapters whose access tokens expire (Bitrix24 and Zoho about 1 h, amoCRM 24 h):
// the secrets fields (refresh token, app credentials, expiry) and a session that refreshes before a known
// expiry and once after the vendor says the token expired, through the connector's TokenKeeper (one grant
// for all deliveries, the new pair persisted sealed). Only a refused refresh breaks the connector.
import { z } from 'zod';
import { excerpt, RefreshRefused, request, type HttpAnswer, type HttpLimits } from './http-client.js';
import type { Exchange, TokenKeeper } from './port.js';

export interface OAuthSecrets {
  access_token: string;
  refresh_token?: string | undefined;
  client_id?: string | undefined;
  client_secret?: string | undefined;
  /** When the access token expires (ISO 8601), as the token endpoint said. */
  expires_at?: string | undefined;
}

const token = (max: number) => z.string().min(10).max(max);
const credential = z.string().min(1).max(500);

/** The secret fields of an OAuth connector; the refresh token and app credentials are optional (no refresh without them). */
export const oauthFields = (maxTokenLength: number) => ({
  access_token: token(maxTokenLength),
  refresh_token: token(maxTokenLength).optional(),
  client_id: credential.optional(),
  client_secret: credential.optional(),
  expires_at: z.iso.datetime({ offset: true }).optional(),
});

/** A refresh token needs the app credentials the vendor's token endpoint asks for: refused at save time otherwise. */
export const refreshable =
  (needed: readonly string[]) =>
  (secrets: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    if (secrets.refresh_token === undefined) return;
    for (const name of needed) if (secrets[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'needed with refresh_token to refresh the access token' });
  };

/** The vendor's token request for a refresh. */
export interface TokenRequest {
  url: URL;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

/** Refresh this long before the known expiry, so a token does not expire between the check and the call. */
const EXPIRY_MARGIN_MS = 60_000;

export class OAuthSession<S extends OAuthSecrets> {
  private refreshed = false;

  constructor(
    private secrets: S,
    private readonly tokenRequest: (secrets: S & { refresh_token: string }) => TokenRequest,
    private readonly read: (stored: unknown) => S,
    private readonly keeper: TokenKeeper,
    private readonly limits: HttpLimits,
  ) {}

  /** What the delivery log must never show. */
  get masked(): string[] {
    return [this.secrets.access_token, this.secrets.refresh_token ?? '', this.secrets.client_secret ?? ''];
  }

  /** Sends with the current access token; refreshes first when it is known to have expired, and once more when the answer says it has. */
  async send(exchanges: Exchange[], attempt: (accessToken: string) => Promise<HttpAnswer>, expired: (answer: HttpAnswer) => boolean): Promise<HttpAnswer> {
    const expiresAt = this.secrets.expires_at ? Date.parse(this.secrets.expires_at) : Number.POSITIVE_INFINITY;
    if (this.canRefresh() && expiresAt - Date.now() < EXPIRY_MARGIN_MS) await this.refresh(exchanges);
    const answer = await attempt(this.secrets.access_token);
    if (!expired(answer) || !this.canRefresh()) return answer;
    await this.refresh(exchanges);
    return attempt(this.secrets.access_token);
  }

  /** One refresh per delivery: a token refused right after its refresh is not refreshed again. */
  private canRefresh(): boolean {
    return !this.refreshed && this.secrets.refresh_token !== undefined;
  }

  private async refresh(exchanges: Exchange[]): Promise<void> {
    this.refreshed = true;
    const stored = await this.keeper.refresh(this.secrets.access_token, async (current) => {
      const secrets = this.read(current);
      if (secrets.refresh_token === undefined) throw new RefreshRefused('token refresh: no refresh_token is set');
      const endpoint = this.tokenRequest({ ...secrets, refresh_token: secrets.refresh_token });
      const answer = await request(endpoint.url, { method: endpoint.method, headers: endpoint.headers ?? {}, ...(endpoint.body !== undefined ? { body: endpoint.body } : {}) }, this.limits);
      // The query of a GET token request carries the secrets: the log keeps the endpoint only.
      exchanges.push({ request: { method: endpoint.method, url: `${endpoint.url.origin}${endpoint.url.pathname}`, summary: 'token refresh' }, status: answer.status, excerpt: excerpt(answer.body, [secrets.refresh_token, secrets.client_secret ?? '']) });
      return { ...granted(secrets, answer) } as Record<string, unknown>;
    });
    this.secrets = this.read(stored);
  }
}

/** The secrets after a token answer: the new access token (and refresh token, when the vendor rotates it) with its expiry. */
function granted<S extends OAuthSecrets>(secrets: S, answer: HttpAnswer): S {
  let body: { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown; error?: unknown; hint?: unknown } = {};
  try {
    body = JSON.parse(answer.body) as typeof body;
  } catch {
    // not JSON: judged by the status below
  }
  const ok = answer.status >= 200 && answer.status < 300;
  if (ok && typeof body.access_token === 'string' && body.error === undefined) {
    const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    return { ...secrets, access_token: body.access_token, ...(typeof body.refresh_token === 'string' ? { refresh_token: body.refresh_token } : {}), expires_at: new Date(Date.now() + expiresIn * 1000).toISOString() };
  }
  const said = [body.error, body.hint].filter((v) => typeof v === 'string').join(': ');
  const reason = `token refresh: HTTP ${answer.status}${said ? ` ${said}` : ''}`;
  if (answer.status === 429 || answer.status >= 500) throw new Error(reason);
  throw new RefreshRefused(`${reason} (refused: the connector needs new tokens)`);
}
