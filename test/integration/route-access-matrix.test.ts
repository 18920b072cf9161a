// Every operation of the OpenAPI document × every kind of caller (API.md "People, roles and access"): the
// table below says who may use each route, and the test fails when the document has an operation the table
// does not classify (or the table one the document lacks), so a new route cannot escape the access rules.
// Callers that may use a route get past authentication (never 401/403; scoped reads answer exactly as their
// scope says); the others get 401 without a usable token, 403 `forbidden` as a user of the wrong role.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../support/context.js';
import { loadDocument, operationsOf, type Operation } from '../support/openapi-requests.js';
import { seedPeopleWorld, type PeopleWorld } from '../support/people.js';

const CALLERS = ['admin_token', 'admin_user', 'supervisor', 'operator', 'integration', 'none'] as const;
type Caller = (typeof CALLERS)[number];
/** `pass`: authenticated and allowed (any answer but 401/403/5xx); `signed`: the SIGNED answer; a number: exactly that status. */
type Expected = 'pass' | 'signed' | number;

/** What a signed link with a wrong signature answers, whatever token comes with it. */
const SIGNED: Record<string, { status: number; code: string }> = {
  'GET /media/{id}': { status: 403, code: 'invalid_signature' },
  'GET /recording-links/{id}': { status: 404, code: 'recording_link_not_found' },
};

const ACCESS = {
  /** No token needed (sign-in). */
  public: { admin_token: 'pass', admin_user: 'pass', supervisor: 'pass', operator: 'pass', integration: 'pass', none: 'pass' },
  /** The signed URL is the credential; tokens change nothing (a wrong signature or an unknown link: the same answer for everyone, see SIGNED). */
  signed_url: { admin_token: 'signed', admin_user: 'signed', supervisor: 'signed', operator: 'signed', integration: 'signed', none: 'signed' },
  /** /api/v1/admin/*: the admin token and admin users. */
  admin: { admin_token: 'pass', admin_user: 'pass', supervisor: 403, operator: 403, integration: 401, none: 401 },
  /** Reading communications: every role, within its scope. */
  reader: { admin_token: 'pass', admin_user: 'pass', supervisor: 'pass', operator: 'pass', integration: 401, none: 401 },
  /** Evaluating and commenting: admins and supervisors (within scope); operators only read. */
  reviewer: { admin_token: 'pass', admin_user: 'pass', supervisor: 'pass', operator: 403, integration: 401, none: 401 },
  /** The clients API of chat platforms and admins. */
  client_api: { admin_token: 'pass', admin_user: 'pass', supervisor: 403, operator: 403, integration: 'pass', none: 401 },
  /** The client card: every role (its recent communications within the scope) and integrations. */
  client_card: { admin_token: 'pass', admin_user: 'pass', supervisor: 'pass', operator: 'pass', integration: 'pass', none: 401 },
  /** Session tags on a communication: admins, supervisors (within scope) and integrations. */
  communication_tags: { admin_token: 'pass', admin_user: 'pass', supervisor: 'pass', operator: 403, integration: 'pass', none: 401 },
  /** A signed-in user's own account; the admin token is nobody's. */
  self: { admin_token: 403, admin_user: 'pass', supervisor: 'pass', operator: 'pass', integration: 401, none: 401 },
  /** PBX and chat platform ingest: the integration's own token only. */
  ingest: { admin_token: 401, admin_user: 401, supervisor: 401, operator: 401, integration: 'pass', none: 401 },
} as const satisfies Record<string, Record<Caller, Expected>>;
type Access = keyof typeof ACCESS;

/** Every operation of the document, classified. */
const ROUTES: Record<string, Access> = {
  'GET /api/v1/admin/retention': 'admin',
  'PUT /api/v1/admin/retention': 'admin',
  'POST /api/v1/admin/clients/{client_id}/erase': 'admin',
  'POST /api/v1/admin/erasure': 'admin',
  'GET /api/v1/admin/erasure_acts/{act_id}': 'admin',
  'GET /api/v1/admin/audit_log': 'admin',
  'GET /api/v1/admin/audit_log.csv': 'admin',
  'POST /api/v1/admin/integrations': 'admin',
  'GET /api/v1/admin/integrations': 'admin',
  'POST /api/v1/admin/integrations/{id}/rotate_token': 'admin',
  'POST /api/v1/admin/departments': 'admin',
  'GET /api/v1/admin/departments': 'admin',
  'POST /api/v1/admin/operators': 'admin',
  'GET /api/v1/admin/operators': 'admin',
  'PATCH /api/v1/admin/operators/{id}': 'admin',
  'POST /api/v1/admin/operators/import': 'admin',
  'POST /api/v1/admin/custom_fields': 'admin',
  'GET /api/v1/admin/custom_fields': 'admin',
  'PATCH /api/v1/admin/custom_fields/{key}': 'admin',
  'DELETE /api/v1/admin/custom_fields/{key}': 'admin',
  'POST /api/v1/admin/users': 'admin',
  'GET /api/v1/admin/users': 'admin',
  'GET /api/v1/admin/users/{id}': 'admin',
  'PATCH /api/v1/admin/users/{id}': 'admin',
  'POST /api/v1/admin/users/import': 'admin',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/invite': 'public',
  'POST /api/v1/auth/logout': 'public',
  'GET /api/v1/me': 'self',
  'POST /api/v1/me/tokens': 'self',
  'GET /api/v1/me/tokens': 'self',
  'GET /api/v1/me/tokens/{id}': 'self',
  'DELETE /api/v1/me/tokens/{id}': 'self',
  'POST /api/v1/integrations/{integration_id}/phone_calls': 'ingest',
  'PUT /api/v1/integrations/{integration_id}/phone_calls/{uid}/transcript': 'ingest',
  'PUT /api/v1/integrations/{integration_id}/phone_calls/{uid}/recording': 'ingest',
  'POST /api/v1/integrations/{integration_id}/chats': 'ingest',
  'GET /media/{id}': 'signed_url',
  'GET /recording-links/{id}': 'signed_url',
  'POST /api/v1/admin/sources': 'admin',
  'GET /api/v1/admin/sources': 'admin',
  'GET /api/v1/admin/sources/{id}': 'admin',
  'PATCH /api/v1/admin/sources/{id}': 'admin',
  'POST /api/v1/admin/sources/{id}/run': 'admin',
  'POST /api/v1/admin/sources/{id}/repull': 'admin',
  'GET /api/v1/admin/sources/{id}/runs': 'admin',
  'GET /api/v1/admin/sources/{id}/runs/{run_id}': 'admin',
  'GET /api/v1/admin/sources/{id}/runs/{run_id}/rejected': 'admin',
  'GET /api/v1/admin/recording_links': 'admin',
  'GET /api/v1/admin/recording_links/{id}': 'admin',
  'POST /api/v1/admin/recording_links/{id}/revoke': 'admin',
  'POST /api/v1/communications/search': 'reader',
  'GET /api/v1/communications/{id}': 'reader',
  // Quality evaluation: forms written by admins (outside /admin, so 403 from the route), read by every role;
  // evaluations and comments read by every role within evaluationScope, written by reviewers.
  'POST /api/v1/evaluation_forms': 'admin',
  'GET /api/v1/evaluation_forms': 'reader',
  'GET /api/v1/evaluation_forms/{id}': 'reader',
  'PUT /api/v1/evaluation_forms/{id}': 'admin',
  'GET /api/v1/evaluations': 'reader',
  'POST /api/v1/communications/{id}/evaluations': 'reviewer',
  'GET /api/v1/communications/{id}/evaluations': 'reader',
  'POST /api/v1/communications/{id}/comments': 'reviewer',
  'GET /api/v1/communications/{id}/comments': 'reader',
  'POST /api/v1/clients/attributes': 'client_api',
  'GET /api/v1/clients/attributes': 'client_api',
  'POST /api/v1/clients/tags': 'client_api',
  'GET /api/v1/clients/tags': 'client_api',
  'PATCH /api/v1/clients/tags/{tag}': 'client_api',
  'POST /api/v1/sessions/tags': 'client_api',
  'GET /api/v1/sessions/tags': 'client_api',
  'PATCH /api/v1/sessions/tags/{tag}': 'client_api',
  'POST /api/v1/clients/{client_id}/attributes/{attribute_id}': 'client_api',
  'GET /api/v1/clients/{client_id}/attributes': 'client_api',
  'POST /api/v1/clients/{client_id}/tags': 'client_api',
  'DELETE /api/v1/clients/{client_id}/tags/{tag}': 'client_api',
  'GET /api/v1/clients/{client_id}': 'client_card',
  'POST /api/v1/communications/{id}/tags': 'communication_tags',
  'DELETE /api/v1/communications/{id}/tags/{tag}': 'communication_tags',
  'POST /api/v1/admin/clients/{client_id}/merge': 'admin',
  'POST /api/v1/admin/crm_connectors': 'admin',
  'GET /api/v1/admin/crm_connectors': 'admin',
  'GET /api/v1/admin/crm_connectors/{id}': 'admin',
  'PATCH /api/v1/admin/crm_connectors/{id}': 'admin',
  'POST /api/v1/admin/crm_connectors/{id}/activate': 'admin',
  'POST /api/v1/admin/crm_connectors/{id}/deactivate': 'admin',
  'GET /api/v1/admin/crm_deliveries': 'admin',
  'POST /api/v1/admin/crm_deliveries/replay': 'admin',
  'GET /api/v1/admin/crm_deliveries/{id}': 'admin',
  'POST /api/v1/admin/crm_deliveries/{id}/replay': 'admin',
};

/**
 * Scoped reads answered exactly: the communication is a call of department A's operator and the client talked
 * to operators in and out of every scope — so the supervisor of A reads the call, the operator user of A1 does not.
 */
const EXACT: Record<string, Partial<Record<Caller, number>>> = {
  'GET /api/v1/communications/{id}': { admin_token: 200, admin_user: 200, supervisor: 200, operator: 404 },
  'POST /api/v1/communications/search': { admin_token: 200, admin_user: 200, supervisor: 200, operator: 200 },
  'GET /api/v1/clients/{client_id}': { admin_token: 200, admin_user: 200, supervisor: 200, operator: 200, integration: 200 },
};

let ctx: TestContext;
let world: PeopleWorld;
let operations: Operation[];
let tokens: Record<Caller, string | undefined>;

beforeAll(async () => {
  ctx = await createTestContext({ settings: { authFailures: { maxFailures: 1_000_000, windowSeconds: 1 } } });
  world = await seedPeopleWorld(ctx);
  operations = operationsOf(await loadDocument(ctx));
  // Personal tokens, so POST /auth/logout in the matrix does not end the callers' sessions.
  const personal = async (session: string) => {
    const res = await ctx.app.request('/api/v1/me/tokens', { method: 'POST', headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'matrix' }) });
    return ((await res.json()) as { token: string }).token;
  };
  tokens = {
    admin_token: ADMIN_TOKEN,
    admin_user: await personal(world.tokens.adminUser),
    supervisor: await personal(world.tokens.supervisor),
    operator: await personal(world.tokens.operator),
    integration: world.integration.token,
    none: undefined,
  };
}, 60_000);
afterAll(() => ctx?.close());

const keyOf = (op: Operation) => `${op.method} ${op.path}`;

/** A request that gets past routing but changes nothing: unknown ids and names, a malformed or empty body. */
function requestFor(op: Operation, caller: Caller): Request {
  const key = keyOf(op);
  const params: Record<string, string> = {
    integration_id: world.integration.id,
    id: key === 'GET /api/v1/communications/{id}' ? world.calls.find((c) => c.uid === 'op-a-1')!.id : crypto.randomUUID(),
    client_id: 'shared-client',
    uid: 'no-such-uid',
    tag: 'no-such-tag',
    key: 'no-such-field',
    attribute_id: crypto.randomUUID(),
  };
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? crypto.randomUUID()));
  const query = op.path === '/media/{id}' ? '?expires=1&sig=x' : op.path === '/recording-links/{id}' ? '?sig=x' : '';
  const token = tokens[caller];
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = caller === 'integration' && op.path.startsWith('/api/v1/integrations/') ? token : `Bearer ${token}`;
  let body: string | undefined;
  if (op.contentTypes.includes('application/json')) {
    headers['content-type'] = 'application/json';
    body = Object.hasOwn(EXACT, key) ? '{}' : '{';
  } else if (op.contentTypes.length > 0) {
    headers['content-type'] = op.contentTypes[0] === 'audio/*' ? 'audio/wav' : op.contentTypes[0]!;
    body = '';
  }
  return new Request(`http://earshot.test${path}${query}`, { method: op.method, headers, ...(body === undefined ? {} : { body }) });
}

describe('route × role matrix', () => {
  it('classifies exactly the operations of the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThan(50);
    expect(operations.map(keyOf).sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it('answers every operation for every caller as its access class says', async () => {
    const wrong: string[] = [];
    for (const op of operations) {
      const key = keyOf(op);
      const access = ROUTES[key];
      if (access === undefined) continue; // reported by the test above
      for (const caller of CALLERS) {
        const res = await ctx.app.request(requestFor(op, caller));
        const text = await res.text();
        const expected: Expected = EXACT[key]?.[caller] ?? ACCESS[access][caller];
        const code = res.status >= 400 ? ((JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '') : '';
        const ok =
          expected === 'pass'
            ? res.status !== 401 && res.status !== 403 && res.status < 500
            : expected === 'signed'
              ? res.status === SIGNED[key]?.status && code === SIGNED[key].code
              : res.status === expected && (expected !== 403 || code === 'forbidden') && (expected !== 401 || code === 'unauthorized');
        if (!ok) wrong.push(`${key} as ${caller}: expected ${expected}, got ${res.status} ${text.slice(0, 160)}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('a scoped search answers within the scope: the operator user of A1 gets its own two calls as the total', async () => {
    const res = await ctx.app.request('/api/v1/communications/search', { method: 'POST', headers: { authorization: `Bearer ${tokens.operator}`, 'content-type': 'application/json' }, body: '{}' });
    expect(((await res.json()) as { estimated_total: number }).estimated_total).toBe(2);
  });
});
