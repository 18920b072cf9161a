// Every public endpoint, taken from the OpenAPI document (so endpoints added later are fuzzed too), gets
// generated malformed requests: hostile path parameters (traversal, NUL, huge, Cyrillic, injection),
// bodies of the wrong type, huge strings, deep nesting, invalid UTF-8, prototype-pollution keys, SQL and
// filter injection in values, wrong or missing tokens. Only documented 4xx answers are allowed: never a
// 5xx, every error in the API's shape with the request's id, and the database still holds no row with a
// pollution key. FUZZ_RUNS sets the total (default 10,000, spread evenly over the operations);
// `npm run fuzz` runs 10,000 per operation and prints how often each operation answered each status
// (FUZZ_SUMMARY=1).
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../server/http/error-codes.js';
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../support/context.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';

const SEED = 20261123;
const TOTAL = Number(process.env.FUZZ_RUNS ?? 10_000);
const PER_OPERATION = process.env.FUZZ_RUNS_PER_OPERATION ? Number(process.env.FUZZ_RUNS_PER_OPERATION) : undefined;
const DOCUMENTED = new Set(Object.keys(ERROR_CODES));

let ctx: TestContext;
let integration: Integration;
let communicationId: string;
let operatorId: string;
const ADMIN = `Bearer ${ADMIN_TOKEN}`;

interface Operation {
  method: string;
  path: string;
  bodyProperties: string[];
}

let operations: Operation[] = [];

beforeAll(async () => {
  ctx = await createTestContext({ bodyLimitBytes: 256 * 1024 });
  const world = await seedWorld(ctx);
  integration = world.integration;
  operatorId = world.operator.id;
  const created = (await (await postCall(ctx, integration, callBody({ uid: 'fuzz-known' }))).json()) as { id: string };
  communicationId = created.id;
  const document = (await (await ctx.app.request('/api/openapi.json')).json()) as {
    paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>>;
  };
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      bodyProperties: Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {}),
    })),
  );
});
afterAll(() => ctx?.close());

const hostile = fc.oneof(
  fc.constantFrom(
    '../../../etc/passwd',
    '..%2F..%2Fetc%2Fpasswd',
    '%00',
    "' OR 1=1 --",
    '"; DROP TABLE communications; --',
    '__proto__',
    'constructor',
    '${jndi:ldap://x}',
    '{"$gt": ""}',
    'Регион "3" \\ ',
    '\u202e',
    ' ',
    '',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ minLength: 2000, maxLength: 20_000 }),
  fc.uuid(),
  fc.integer().map(String),
);

const value: fc.Arbitrary<unknown> = fc.oneof(
  hostile,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostile, { maxLength: 4 }),
  fc.dictionary(hostile, hostile, { maxKeys: 3 }),
  fc.constantFrom('\u0000', '\ud800', 'a\u0000b'),
);

/** A JSON text built from the operation's own property names with hostile values and pollution keys. */
const schemaShaped = (properties: string[]) =>
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...(properties.length > 0 ? properties : ['name']), '__proto__', 'constructor', 'prototype'), hostile), value), { maxLength: 6 })
    .map((pairs) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`);

const deepNesting = fc.integer({ min: 30, max: 3000 }).map((depth) => `${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`);
const invalidUtf8 = fc.uint8Array({ minLength: 1, maxLength: 512 }).map((bytes) => Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(bytes), Buffer.from('"}')]));

const body = (properties: string[]) =>
  fc.oneof(
    { weight: 5, arbitrary: schemaShaped(properties) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 1, arbitrary: deepNesting },
    { weight: 1, arbitrary: invalidUtf8 },
    { weight: 1, arbitrary: fc.constantFrom('', 'null', '[]', '"x"', '{', 'external_id,email\n\u0000,x') },
  );

/** A known-good value for a path parameter, so requests also get past routing into body validation. */
function knownParam(path: string, name: string): string {
  if (name === 'integration_id' || path.includes('/integrations/{id}')) return integration.id;
  if (name === 'key') return 'topic';
  if (name === 'uid') return 'fuzz-known';
  if (path.includes('/operators/{id}')) return operatorId;
  return communicationId;
}

const auth = (path: string) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(path.startsWith('/api/v1/integrations/') ? integration.token : ADMIN) },
    { weight: 1, arbitrary: fc.constantFrom('', 'Bearer ', 'Bearer esi_wrong', integration.token, ADMIN, 'Basic YWRtaW46YWRtaW4=') },
  );

const request = (op: Operation) =>
  fc.record({
    params: fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: hostile }), { minLength: 4, maxLength: 4 }),
    query: fc.option(fc.dictionary(fc.constantFrom('limit', 'cursor', 'state', 'exp', 'sig', '__proto__', 'q'), hostile, { maxKeys: 3 }), { nil: undefined }),
    body: body(op.bodyProperties),
    contentType: fc.constantFrom('application/json', 'text/csv', 'text/plain', 'multipart/form-data; boundary=x', 'audio/wav', undefined),
    authorization: auth(op.path),
  });

function url(op: Operation, params: Array<string | undefined>, query: Record<string, string> | undefined): string {
  let i = 0;
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params[i++] ?? knownParam(op.path, name)));
  const search = query ? new URLSearchParams(query).toString() : '';
  return search ? `${path}?${search}` : path;
}

describe('fuzzing every endpoint of the OpenAPI document', () => {
  it('answers only documented 4xx codes (never a 5xx) to malformed requests', async () => {
    expect(operations.length).toBeGreaterThan(20);
    const runs = PER_OPERATION ?? Math.ceil(TOTAL / operations.length);
    const seen = new Map<string, number>();
    for (const op of operations) {
      if (op.method === 'GET' && op.path === '/api/docs') continue;
      await fc.assert(
        fc.asyncProperty(request(op), async (r) => {
          const target = url(op, r.params, r.query);
          const headers: Record<string, string> = {};
          if (r.authorization) headers.authorization = r.authorization;
          if (r.contentType) headers['content-type'] = r.contentType;
          const hasBody = op.method !== 'GET' && op.method !== 'HEAD';
          const res = await ctx.app.request(target, { method: op.method, headers, ...(hasBody ? { body: r.body } : {}) });
          const key = `${op.method} ${op.path} ${res.status}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
          expect(res.status, `${op.method} ${target}`).toBeLessThan(500);
          if (res.status >= 400) {
            const answer = (await res.json()) as { error: { code: string; details: unknown[]; request_id: string } };
            expect(DOCUMENTED.has(answer.error.code), `${op.method} ${op.path}: undocumented code ${answer.error.code}`).toBe(true);
            expect(Array.isArray(answer.error.details)).toBe(true);
            expect(answer.error.request_id).toBe(res.headers.get('x-request-id'));
          } else if (op.path.endsWith('/rotate_token')) {
            integration.token = ((await res.json()) as { token: string }).token; // later operations use the live token
          } else {
            await res.arrayBuffer();
          }
        }),
        { numRuns: runs, seed: SEED },
      );
    }
    if (process.env.FUZZ_SUMMARY) console.log([...seen.entries()].sort().map(([k, n]) => `${k}: ${n}`).join("\n"));
    // The campaign reached past authentication and validation on most operations, not just 401s.
    const reachedPastAuth = new Set([...seen.keys()].filter((k) => !/ 40[13]$/.test(k)).map((k) => k.split(' ').slice(0, 2).join(' ')));
    expect(reachedPastAuth.size).toBeGreaterThan(operations.length * 0.8);

    // No custom field value was stored under a pollution key (they are unknown fields: warned, left out).
    const { rows: polluted } = await sql`SELECT id FROM communications WHERE custom_fields ?| array['__proto__', 'constructor', 'prototype']`.execute(ctx.db);
    expect(polluted).toEqual([]);
  }, 600_000);
});
