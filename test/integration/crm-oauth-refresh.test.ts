// OAuth refresh of the Bitrix24, amoCRM and Zoho Desk connectors against stand-ins that expire access tokens
// and implement the vendors' token endpoints: an expired token is refreshed (once, for deliveries refused at
// the same time) and the new pair stored sealed; a known expiry refreshes before the first call; only a
// refused refresh breaks the connector; the refresh's secrets never reach the delivery log.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DestinationPolicy } from '../../server/media/destination-policy.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { startAmoCrm, startBitrix24, startZohoDesk, type AmoCrmStandIn, type Bitrix24StandIn, type OAuthApp, type ZohoDeskStandIn } from '../support/crm-vendors.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';

let ctx: TestContext;
let integration: Integration;
let bitrix: Bitrix24StandIn;
let amo: AmoCrmStandIn;
let zoho: ZohoDeskStandIn;
let seq = 0;

beforeAll(async () => {
  [bitrix, amo, zoho] = await Promise.all([startBitrix24('b24-initial-token-0001'), startAmoCrm('amo-initial-token-0001'), startZohoDesk('zoho-initial-token-0001', 'org-1')]);
  ctx = await createTestContext({ settings: { crm: { mediaWaitSeconds: 0, limits: { timeoutMs: 1000, maxResponseBytes: 65536, policy: new DestinationPolicy(['127.0.0.1']) }, backoff: { baseMs: 10, maxMs: 20, maxAttempts: Infinity } } } });
  ({ integration } = await seedWorld(ctx));
  amo.contacts.push({ id: 1, name: 'Иван', phones: ['+79123456789'] });
  zoho.contacts.push({ id: '77', lastName: 'Иванов', phone: '+79123456789' });
});
afterAll(async () => {
  await ctx.close();
  await Promise.all([bitrix.close(), amo.close(), zoho.close()]);
});
beforeEach(async () => {
  await ctx.db.updateTable('crm_connectors').set({ state: 'inactive' }).execute(); // one connector at a time
});

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
const appSecrets = (app: OAuthApp, accessToken: string) => ({ access_token: accessToken, refresh_token: app.refreshToken, client_id: app.clientId, client_secret: app.clientSecret });

async function connector(body: Record<string, unknown>) {
  const res = await ctx.admin('POST', '/api/v1/admin/crm_connectors', { name: `c-${++seq}`, rules: { user_map: { 'operator@email.com': '17' }, duty_user: '99' }, ...body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json<{ id: string }>(res)).id;
}
async function post() {
  const res = await postCall(ctx, integration, callBody({ uid: `oauth-${++seq}`, client_phone_number: '+7 912 345-67-89', duration: 30 }));
  expect(res.status).toBe(201);
}
async function drain() {
  for (let i = 0; i < 20; i++) {
    await ctx.services.crmDeliveries.run();
    if ((await ctx.db.selectFrom('crm_deliveries').select('id').where('state', '=', 'pending').execute()).length === 0) return;
    await new Promise((r) => setTimeout(r, 40));
  }
}
async function stored(id: string) {
  const row = await ctx.db.selectFrom('crm_connectors').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return { state: row.state, broken_reason: row.broken_reason, sealed: row.secrets, secrets: ctx.services.crmConnectors.secretsOf(row as never) as Record<string, string> };
}
async function deliveredOf(id: string) {
  return (await ctx.db.selectFrom('crm_deliveries').select('state').where('connector_id', '=', id).execute()).map((d) => d.state);
}
async function logOf(id: string) {
  const rows = await ctx.db.selectFrom('crm_delivery_attempts').innerJoin('crm_deliveries', 'crm_deliveries.id', 'crm_delivery_attempts.delivery_id').select(['request', 'response_excerpt', 'error']).where('crm_deliveries.connector_id', '=', id).execute();
  return JSON.stringify(rows);
}

const vendors = () =>
  [
    { name: 'Bitrix24', vendor: bitrix, body: (token: string) => ({ kind: 'bitrix24', config: { portal_url: bitrix.url, oauth_url: `${bitrix.url}/oauth/token/` }, secrets: appSecrets(bitrix.oauth, token) }), rotates: true },
    { name: 'amoCRM', vendor: amo, body: (token: string) => ({ kind: 'amocrm', config: { base_url: amo.url }, secrets: { ...appSecrets(amo.oauth, token), redirect_uri: amo.oauth.redirectUri } }), rotates: true },
    { name: 'Zoho Desk', vendor: zoho, body: (token: string) => ({ kind: 'zoho_desk', config: { base_url: zoho.url, accounts_url: zoho.url, org_id: 'org-1', department_id: 'dep-1' }, secrets: appSecrets(zoho.oauth, token) }), rotates: false },
  ] as const;

describe.each(['Bitrix24', 'amoCRM', 'Zoho Desk'])('%s OAuth', (name) => {
  const pick = () => vendors().find((v) => v.name === name)!;

  it('refreshes an expired token once for deliveries refused together, stores the new pair sealed, and stays active', async () => {
    const { vendor, body, rotates } = pick();
    const id = await connector(body(vendor.token));
    const grants = vendor.oauth.grants;
    const oldRefresh = vendor.oauth.refreshToken;
    vendor.oauth.expire();
    await Promise.all([post(), post(), post()]);
    await drain();
    expect(await deliveredOf(id)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(vendor.oauth.grants).toBe(grants + 1);
    const after = await stored(id);
    expect(after).toMatchObject({ state: 'active', broken_reason: null });
    expect(after.secrets.access_token).toBe(vendor.token);
    expect(after.secrets.refresh_token).toBe(vendor.oauth.refreshToken);
    if (rotates) expect(after.secrets.refresh_token).not.toBe(oldRefresh);
    expect(Date.parse(after.secrets.expires_at!)).toBeGreaterThan(Date.now());
    expect(after.sealed).not.toContain(vendor.token);
    const log = await logOf(id);
    expect(log).toContain('token refresh');
    for (const secret of [vendor.oauth.refreshToken, oldRefresh, vendor.oauth.clientSecret, vendor.token]) expect(log).not.toContain(secret);
  });

  it('refreshes before the first call when the stored expiry has passed', async () => {
    const { vendor, body } = pick();
    const current = vendor.token;
    const definition = body(current);
    const id = await connector({ ...definition, secrets: { ...definition.secrets, expires_at: new Date(Date.now() - 1000).toISOString() } });
    const grants = vendor.oauth.grants;
    vendor.requests.length = 0;
    await post();
    await drain();
    expect(await deliveredOf(id)).toEqual(['delivered']);
    expect(vendor.oauth.grants).toBe(grants + 1);
    expect(vendor.requests[0]!.path).toMatch(/oauth/);
    expect(vendor.requests.filter((r) => !/oauth/.test(r.path)).length).toBeGreaterThan(0);
  });

  it('breaks the connector only when the refresh itself is refused', async () => {
    const { vendor, body } = pick();
    const definition = body(vendor.token);
    const id = await connector({ ...definition, secrets: { ...definition.secrets, refresh_token: 'revoked-refresh-token-0001' } });
    vendor.oauth.expire();
    await post();
    await drain();
    const after = await stored(id);
    expect(after.state).toBe('broken');
    expect(after.broken_reason).toMatch(/token refresh: HTTP \d+ .*refused/);
    expect(await deliveredOf(id)).toEqual(['paused']);
  });
});

describe('OAuth secrets', () => {
  it('refuses a refresh token without the app credentials the token endpoint needs, with paths', async () => {
    const res = await ctx.admin('POST', '/api/v1/admin/crm_connectors', { name: 'amo', kind: 'amocrm', config: { base_url: amo.url }, secrets: { access_token: 'amo-access-token-9', refresh_token: 'amo-refresh-token-9' } });
    expect(res.status).toBe(422);
    const paths = (await json<{ error: { details: Array<{ path: string }> } }>(res)).error.details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['secrets.client_id', 'secrets.client_secret', 'secrets.redirect_uri']));
  });
});
