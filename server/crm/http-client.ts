// Outbound HTTP for CRM adapters: bounded in time and response size, destinations checked against the
// policy (DNS answers included), and every answer classified the way the delivery runner needs it.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { checkedLookup, type DestinationPolicy } from '../media/destination-policy.js';
import type { DeliveryOutcome, Exchange } from './port.js';

export interface HttpLimits {
  timeoutMs: number;
  maxResponseBytes: number;
  policy: DestinationPolicy | null;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export class DestinationRefused extends Error {}

/** The vendor's token endpoint refused the refresh token: only an admin can mend the connector now. */
export class RefreshRefused extends Error {}

/** One request; rejects on network failure, timeout or a refused destination, resolves with any status. */
export function request(url: URL, init: { method: string; headers: Record<string, string>; body?: string }, limits: HttpLimits): Promise<HttpAnswer> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const { policy } = limits;
  if (policy && (!policy.hostAllowed(host) || (isIP(host) !== 0 && !policy.addressAllowed(host, host)))) {
    return Promise.reject(new DestinationRefused(`destination ${host} is not allowed (see EARSHOT_CRM_ALLOW)`));
  }
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, {
      method: init.method,
      headers: { 'user-agent': 'earshot', ...init.headers, ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}) },
      ...(policy ? { lookup: checkedLookup(policy, host, (message) => new DestinationRefused(message)) } : {}),
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${limits.timeoutMs} ms`)), limits.timeoutMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= limits.maxResponseBytes) chunks.push(chunk);
        else res.destroy();
      });
      res.on('close', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(init.body);
  });
}

/** Retry-After as milliseconds (seconds or an HTTP date), if the answer has one. */
export function retryAfterMs(headers: http.IncomingHttpHeaders, now = Date.now()): number | undefined {
  const value = headers['retry-after'];
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The usual reading of an HTTP answer: 2xx ok, 401/403 auth broken, 408/425/429/5xx retry, other 4xx permanent. */
export function classify(answer: HttpAnswer, exchanges: Exchange[]): DeliveryOutcome {
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'ok', exchanges };
  const reason = `HTTP ${status}`;
  if (status === 401 || status === 403) return { kind: 'auth_broken', reason, exchanges };
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    const after = retryAfterMs(answer.headers);
    return { kind: 'retryable', reason, ...(after !== undefined ? { retryAfterMs: after } : {}), exchanges };
  }
  return { kind: 'permanent', reason, exchanges };
}

/** A failure as an outcome: a refused destination is permanent, a refused token refresh breaks the connector, the rest is worth retrying. */
export function failure(error: unknown, exchanges: Exchange[]): DeliveryOutcome {
  const reason = error instanceof Error ? error.message : String(error);
  if (error instanceof DestinationRefused) return { kind: 'permanent', reason, exchanges };
  if (error instanceof RefreshRefused) return { kind: 'auth_broken', reason, exchanges };
  return { kind: 'retryable', reason, exchanges };
}

/** The first bytes of a body for the delivery log, with anything that looks like a token masked. */
export function excerpt(body: string, secrets: string[] = []): string {
  let text = body.slice(0, 500);
  for (const secret of secrets) if (secret) text = text.replaceAll(secret, '[redacted]');
  return text.replace(/("(?:access_token|refresh_token|token|api_token|password|secret)"\s*:\s*")[^"]*/gi, '$1[redacted]');
}
