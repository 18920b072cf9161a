// Usedesk and Zoho Desk connectors against local stand-ins of their documented APIs: the client/contact
// found by a phone written differently vs created, an open ticket reused vs a new one, missed calls to the
// duty user (with a due date on Zoho), custom fields (utm) on Zoho tickets, 500 then success with exactly
// one ticket, 429 with Retry-After, and a revoked token breaking the connector.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DestinationPolicy } from '../../server/media/destination-policy.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { startUsedesk, startZohoDesk, type UsedeskStandIn, type ZohoDeskStandIn } from '../support/crm-vendors.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';

let ctx: TestContext;
let integration: Integration;
let usedesk: UsedeskStandIn;
let zoho: ZohoDeskStandIn;
let seq = 0;

beforeAll(async () => {
  usedesk = await startUsedesk('usedesk-token-0001');
  zoho = await startZohoDesk('zoho-token-000000001', 'org-42');
  ctx = await createTestContext({ settings: { crm: { mediaWaitSeconds: 0, limits: { timeoutMs: 1000, maxResponseBytes: 65536, policy: new DestinationPolicy(['127.0.0.1']) }, backoff: { baseMs: 10, maxMs: 20, maxAttempts: Infinity } } } });
  ({ integration } = await seedWorld(ctx));
});
afterAll(async () => {
  await ctx.close();
  await usedesk.close();
  await zoho.close();
});

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
async function connector(body: Record<string, unknown>) {
  await ctx.db.updateTable('crm_connectors').set({ state: 'inactive' }).execute(); // one connector at a time
  const res = await ctx.admin('POST', '/api/v1/admin/crm_connectors', body);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json<{ id: string }>(res)).id;
}
const post = async (overrides: Record<string, unknown> = {}) => {
  const res = await postCall(ctx, integration, callBody({ uid: `ud-${++seq}`, client_phone_number: '+7 912 345-67-89', duration: 40, custom_fields: { topic: 'google' }, ...overrides }));
  expect(res.status).toBe(201);
};
async function drain() {
  for (let i = 0; i < 30; i++) {
    await ctx.services.crmDeliveries.run();
    if ((await ctx.db.selectFrom('crm_deliveries').select('id').where('state', '=', 'pending').execute()).length === 0) return;
    await new Promise((r) => setTimeout(r, 40));
  }
}
const stateOf = async (id: string) => json<{ state: string; broken_reason: string | null }>(await ctx.admin('GET', `/api/v1/admin/crm_connectors/${id}`));

describe('Usedesk', () => {
  let id: string;
  beforeAll(async () => {
    usedesk.clients.push({ id: 1, name: 'Иван', phone: '8 (912) 345-67-89' });
    id = await connector({ name: 'Usedesk', kind: 'usedesk', config: { base_url: usedesk.url, ticket_mode: 'reuse_open', ticket_type: 'incident', tag: 'звонок' }, secrets: { api_token: 'usedesk-token-0001' }, rules: { user_map: { 'operator@email.com': '501' }, duty_user: '502' } });
  });

  it('finds the client by a phone written differently, opens a ticket, then reuses it while open', async () => {
    await post();
    await drain();
    expect(usedesk.clients).toHaveLength(1);
    expect(usedesk.tickets).toHaveLength(1);
    expect(usedesk.tickets[0]).toMatchObject({ client_id: 1, type: 'incident', tag: 'звонок', assignee_id: 501 });
    await post();
    await drain();
    expect(usedesk.tickets).toHaveLength(1);
    expect(usedesk.tickets[0]!.comments).toHaveLength(2);
    usedesk.tickets[0]!.status_id = 3; // closed: the next call opens a new ticket
    await post();
    await drain();
    expect(usedesk.tickets).toHaveLength(2);
  });

  it('creates an unknown caller as a client, and a missed call goes to the duty user', async () => {
    await post({ client_phone_number: '+7 903 111-22-33', duration: 0, client: { id: 'c-new', first_name: 'Пётр' } });
    await drain();
    expect(usedesk.clients.at(-1)).toMatchObject({ name: 'Пётр', phone: '79031112233' });
    expect(usedesk.tickets.at(-1)).toMatchObject({ assignee_id: 502, subject: expect.stringContaining('Пропущенный') });
  });

  it('rides out a 500 and a 429 with exactly one new ticket, and breaks on a revoked token', async () => {
    const before = usedesk.tickets.length;
    usedesk.faults.push({ status: 500, body: { status: 'error', message: 'Internal' } }, { status: 429, body: { status: 'error', message: 'Too many requests' }, headers: { 'retry-after': '1' } });
    await post({ client_phone_number: '+7 999 000-00-01' });
    await drain();
    await new Promise((r) => setTimeout(r, 1100));
    await drain();
    expect(usedesk.tickets.length).toBe(before + 1);
    usedesk.token = 'usedesk-token-rotated';
    await post();
    await drain();
    expect(await stateOf(id)).toMatchObject({ state: 'broken', broken_reason: 'HTTP 401' });
  });
});

describe('Zoho Desk', () => {
  let id: string;
  beforeAll(async () => {
    zoho.contacts.push({ id: '77', lastName: 'Иванов', phone: '+79123456789' });
    id = await connector({
      name: 'Zoho',
      kind: 'zoho_desk',
      config: { base_url: zoho.url, org_id: 'org-42', department_id: 'dep-1', key_field: 'cf_earshot_key' },
      secrets: { access_token: 'zoho-token-000000001' },
      rules: {
        field_mapping: [
          { crm_field: 'cf_utm_source', value: '{{custom_fields.topic}}' },
          { crm_field: 'cf_google_client_id', value: '{{client_id}}' },
        ],
        user_map: { 'operator@email.com': 'agent-9' },
        duty_user: 'agent-duty',
      },
    });
  });

  it('files a ticket on the contact found by phone, with the utm custom fields', async () => {
    await post({ client: { id: 'ga-123' } });
    await drain();
    expect(zoho.contacts).toHaveLength(1);
    expect(zoho.tickets).toHaveLength(1);
    expect(zoho.tickets[0]).toMatchObject({ contactId: '77', departmentId: 'dep-1', assigneeId: 'agent-9', cf: { cf_utm_source: 'google', cf_google_client_id: 'ga-123' } });
  });

  it('creates the contact when no one has the phone; a missed call gets the duty user and a 4-hour due date', async () => {
    await post({ client_phone_number: '+7 903 222-33-44', duration: 0, started_at: '2024-03-01T10:00:00+03:00' });
    await drain();
    expect(zoho.contacts.at(-1)).toMatchObject({ phone: '+79032223344' });
    expect(zoho.tickets.at(-1)).toMatchObject({ assigneeId: 'agent-duty', dueDate: '2024-03-01T11:00:00.000Z' });
  });

  it('does not double a ticket when the answer was lost after Zoho created it', async () => {
    const before = zoho.tickets.length;
    // The ticket is created, but earshot sees a 502: the retry finds the ticket by its delivery key.
    zoho.loseNextTicketAnswer = true;
    await post({ client_phone_number: '+7 999 000-00-02' });
    await drain();
    expect(zoho.tickets.length).toBe(before + 1);
  });

  it('marks the connector broken on INVALID_OAUTH', async () => {
    zoho.token = 'zoho-token-expired-0002';
    await post();
    await drain();
    expect(await stateOf(id)).toMatchObject({ state: 'broken', broken_reason: 'HTTP 401' });
  });
});
