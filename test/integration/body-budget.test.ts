// Request bodies held in memory are bounded: console forms are checked (cookie, type, length) before a
// byte is read and capped at 16 KB; across concurrent requests the bytes buffered stay within the
// process-wide budget, and a request past it is answered 503 server_busy with Retry-After.
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyBudget } from '../../server/http/body-budget.js';
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../support/context.js';

const KB = 1024;
const budget = new BodyBudget(200 * KB);
let ctx: TestContext;
let server: ServerType;
let port: number;

beforeAll(async () => {
  ctx = await createTestContext({ bodyLimitBytes: 128 * KB, bodyBudget: budget });
  server = serve({ fetch: ctx.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await ctx.close();
});

interface Sent {
  req: ClientRequest;
  answer: Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>;
}

/** Starts a request declaring `declared` bytes and sends `first` of them now; the rest is up to the caller. */
function start(method: string, path: string, headers: Record<string, string>, declared: number, first: string): Sent {
  const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { ...headers, 'content-length': String(declared) } });
  const answer = new Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
  req.write(first);
  return { req, answer };
}

const search = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
/** A valid search body of exactly `size` bytes (JSON allows trailing white space). */
const searchBody = (size: number) => {
  const json = '{"limit": 1}';
  return json + ' '.repeat(size - json.length);
};
const waitFor = async (predicate: () => boolean) => {
  for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(predicate()).toBe(true);
};

describe('the process-wide body budget', () => {
  it('answers 503 server_busy with Retry-After past the budget, without reading, and recovers when bodies are done', async () => {
    const slow = [start('POST', '/api/v1/communications/search', search, 90 * KB, '{'), start('POST', '/api/v1/communications/search', search, 90 * KB, '{')];
    await waitFor(() => budget.usedBytes === 180 * KB);

    const refused = await start('POST', '/api/v1/communications/search', search, 30 * KB, searchBody(30 * KB)).answer;
    expect(refused.status).toBe(503);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'server_busy', request_id: expect.any(String) } });
    expect(budget.usedBytes).toBe(180 * KB);

    const small = await start('POST', '/api/v1/communications/search', search, 10 * KB, searchBody(10 * KB)).answer;
    expect(small.status).toBe(200);

    for (const s of slow) s.req.end(searchBody(90 * KB).slice(1));
    for (const s of slow) expect((await s.answer).status).toBe(200);
    expect(budget.usedBytes).toBe(0);
    expect(budget.peakBytes).toBeLessThanOrEqual(200 * KB);
    expect((await start('POST', '/api/v1/communications/search', search, 30 * KB, searchBody(30 * KB)).answer).status).toBe(200);
  });

  it('does not hold bytes for a request refused before its body is read (wrong token)', async () => {
    const unauthenticated = await start('POST', '/api/v1/communications/search', { 'content-type': 'application/json' }, 100 * KB, '{').answer;
    expect(unauthenticated.status).toBe(401);
    expect(budget.usedBytes).toBe(0);
  });
});

describe('console forms', () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  async function loginCookie(): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${port}/console/login`);
    return res.headers.getSetCookie()[0]!.split(';')[0]!;
  }

  it('refuses a sign-in without the form’s cookie before reading its body', async () => {
    const peak = budget.peakBytes;
    const res = await start('POST', '/console/login', form, 100 * KB, 'token=').answer;
    expect(res.status).toBe(403);
    expect(budget.peakBytes).toBe(peak);
    expect(budget.usedBytes).toBe(0);
  });

  it('caps a sign-in form at 16 KB and takes only form types', async () => {
    const cookie = await loginCookie();
    const big = await start('POST', '/console/login', { ...form, cookie }, 17 * KB, 'token=').answer;
    expect(big.status).toBe(413);
    expect(big.body).toContain('Too large');
    const json = await start('POST', '/console/login', { 'content-type': 'application/json', cookie }, 2, '{}').answer;
    expect(json.status).toBe(415);
    expect(budget.usedBytes).toBe(0);
  });

  it('counts console forms in the budget too: 503 with Retry-After when it is full', async () => {
    const slow = [start('POST', '/api/v1/communications/search', search, 100 * KB, '{'), start('POST', '/api/v1/communications/search', search, 95 * KB, '{')];
    await waitFor(() => budget.usedBytes === 195 * KB);
    const cookie = await loginCookie();
    const refused = await start('POST', '/console/login', { ...form, cookie }, 8 * KB, 'token=' + 'x'.repeat(8 * KB - 6)).answer;
    expect(refused.status).toBe(503);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    slow[0]!.req.end(searchBody(100 * KB).slice(1));
    slow[1]!.req.end(searchBody(95 * KB).slice(1));
    for (const s of slow) expect((await s.answer).status).toBe(200);
    expect(budget.usedBytes).toBe(0);
  });
});
