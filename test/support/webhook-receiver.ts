// A local webhook receiver that behaves like a careful one: it verifies Standard Webhooks signatures with
// a reference implementation written from the spec (not earshot's code), applies each webhook-id once, and
// answers as a test scripts it (status, Retry-After, a delay after applying).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedAnswer {
  status: number;
  retryAfter?: string;
  /** Apply the webhook, then wait this long before answering (a timeout after the effect). */
  delayMs?: number;
}

export interface ReceivedWebhook {
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
  verified: boolean;
}

/** Standard Webhooks v1 verification, from the spec: HMAC-SHA256 over "{id}.{ts}.{body}" with the base64-decoded whsec_ key. */
export function verifyStandardWebhook(secret: string, headers: IncomingHttpHeaders, body: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.split('_')[1]!, 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export interface WebhookReceiver {
  url: string;
  /** Every request, in arrival order. */
  received: ReceivedWebhook[];
  /** Webhook ids applied (each once, whatever the retries). */
  applied: Map<string, unknown>;
  /** Answers for the next requests, in order; once empty, 200. */
  script: ScriptedAnswer[];
  secret: string;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const receiver: Omit<WebhookReceiver, 'url' | 'close'> = { received: [], applied: new Map(), script: [], secret: '' };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id']);
      const verified = verifyStandardWebhook(receiver.secret, req.headers, body);
      receiver.received.push({ id, headers: req.headers, body, verified });
      const answer = receiver.script.shift() ?? { status: 200 };
      const applies = verified && answer.status >= 200 && answer.status < 300;
      if (applies && !receiver.applied.has(id)) receiver.applied.set(id, JSON.parse(body));
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}) });
        res.end(JSON.stringify({ ok: applies, token: 'receiver-secret-token-should-be-masked' }));
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks/earshot`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
