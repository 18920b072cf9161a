// Issue 16 items 9, 13 and 14 against the vendors' stand-ins: a Bitrix24 delivery resumes at the step
// that failed (one register, one finish, attachRecord again); a missed call raises a call-back task for
// the duty user in every CRM (Bitrix24 tasks.task.add bound to the CRM entity, amoCRM /api/v4/tasks on the
// contact, Zoho Desk /api/v1/tasks on the ticket, Usedesk reassigns the reused ticket), and none when the
// rules switch tasks off; Zoho mappings are refused unless standard or cf_, and contact mappings reach the
// contact (created or found) but not the ticket; Usedesk's create_ticket switch, tag template and phone format.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DestinationPolicy } from '../../server/media/destination-policy.js';
import { bytesOf, speech } from '../support/audio.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { startAmoCrm, startBitrix24, startUsedesk, startZohoDesk, type AmoCrmStandIn, type Bitrix24StandIn, type UsedeskStandIn, type ZohoDeskStandIn } from '../support/crm-vendors.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';

let ctx: TestContext;
let integration: Integration;
let bitrix: Bitrix24StandIn;
let amo: AmoCrmStandIn;
let usedesk: UsedeskStandIn;
let zoho: ZohoDeskStandIn;
let seq = 0;

/** The seeded call's operator is mapped; missed calls must still go to the duty user. */
const RULES = { user_map: { 'operator@email.com': '17' }, duty_user: '99' };
const STARTED = '2024-03-01T10:00:00+03:00';
const DEADLINE = '2024-03-01T11:00:00.000Z'; // started + the default 4 hours

beforeAll(async () => {
  [bitrix, amo, usedesk, zoho] = await Promise.all([startBitrix24('b24-access-token-0001'), startAmoCrm('amo-access-token-0001'), startUsedesk('usedesk-token-0001'), startZohoDesk('zoho-token-000000001', 'org-42')]);
  ctx = await createTestContext({ settings: { crm: { mediaWaitSeconds: 0, limits: { timeoutMs: 1000, maxResponseBytes: 65536, policy: new DestinationPolicy(['127.0.0.1']) }, backoff: { baseMs: 10, maxMs: 20, maxAttempts: Infinity } } } });
  ({ integration } = await seedWorld(ctx));
});
afterAll(async () => {
  await ctx.close();
  await Promise.all([bitrix, amo, usedesk, zoho].map((s) => s.close()));
});

const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
/** A new connector, the only active one. */
async function connector(body: Record<string, unknown>) {
  await ctx.db.updateTable('crm_connectors').set({ state: 'inactive' }).execute();
  const res = await ctx.admin('POST', '/api/v1/admin/crm_connectors', body);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json<{ id: string }>(res)).id;
}
async function post(overrides: Record<string, unknown> = {}) {
  const uid = `mm-${++seq}`;
  const res = await postCall(ctx, integration, callBody({ uid, client_phone_number: '+7 912 345-67-89', duration: 0, started_at: STARTED, ...overrides }));
  expect(res.status, await res.clone().text()).toBe(201);
  return uid;
}
async function drain() {
  for (let i = 0; i < 30; i++) {
    await ctx.services.crmDeliveries.run();
    if ((await ctx.db.selectFrom('crm_deliveries').select('id').where('state', '=', 'pending').execute()).length === 0) return;
    await new Promise((r) => setTimeout(r, 40));
  }
}
const paths = (requests: Array<{ path: string }>, part: string) => requests.filter((r) => r.path.includes(part)).length;

describe('Bitrix24', () => {
  beforeAll(async () => {
    await connector({ name: 'Bitrix24', kind: 'bitrix24', config: { portal_url: bitrix.url, crm_create: true }, secrets: { access_token: 'b24-access-token-0001' }, rules: RULES });
  });
  beforeEach(() => {
    bitrix.calls.clear();
    bitrix.tasks.length = 0;
    bitrix.requests.length = 0;
  });

  it('resumes a failed attachRecord without registering or finishing the call again', async () => {
    const uid = await post({ duration: 65 });
    const upload = await ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls/${uid}/recording`, { method: 'PUT', headers: { authorization: integration.token, 'content-type': 'audio/wav' }, body: bytesOf(speech('запись')) });
    expect(upload.status).toBe(200);
    bitrix.faults.push('pass', 'pass', { status: 500, body: { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal error' } });
    await drain();
    expect(paths(bitrix.requests, 'register')).toBe(1);
    expect(paths(bitrix.requests, 'finish')).toBe(1);
    expect(paths(bitrix.requests, 'attachRecord')).toBe(2);
    expect(bitrix.calls.size).toBe(1);
    expect([...bitrix.calls.values()][0]!.records).toHaveLength(1);
  });

  it('gives a missed call of a mapped operator to the duty user, with a call-back task bound to the lead', async () => {
    await post();
    await drain();
    const [call] = [...bitrix.calls.values()];
    expect(call!.params.USER_ID).toBe('99');
    expect(call!.finish).toMatchObject({ STATUS_CODE: '304' });
    expect(bitrix.tasks).toEqual([expect.objectContaining({ RESPONSIBLE_ID: '99', DEADLINE, UF_CRM_TASK: ['L_1'], TITLE: expect.any(String) })]);
  });

  it('creates no task for an answered call, nor for a missed one when the rules switch tasks off', async () => {
    await post({ duration: 30 });
    await drain();
    expect(bitrix.tasks).toHaveLength(0);
    const [id] = (await ctx.db.selectFrom('crm_connectors').select('id').where('state', '=', 'active').execute()).map((r) => r.id);
    expect((await ctx.admin('PATCH', `/api/v1/admin/crm_connectors/${id}`, { rules: { ...RULES, missed_call_task: { enabled: false } } })).status).toBe(200);
    await post();
    await drain();
    expect(bitrix.calls.size).toBe(2);
    expect(bitrix.tasks).toHaveLength(0);
  });
});

describe('amoCRM', () => {
  beforeAll(async () => {
    amo.contacts.push({ id: 1, name: 'Иван', phones: ['8 (912) 345-67-89'] });
    await connector({ name: 'amo', kind: 'amocrm', config: { base_url: amo.url }, secrets: { access_token: 'amo-access-token-0001' }, rules: RULES });
  });

  it('files a missed call for the duty user and a call-back task on the contact with the deadline', async () => {
    await post();
    await drain();
    expect([...amo.calls.values()].at(-1)).toMatchObject({ responsible_user_id: 99, call_status: 6 });
    expect(amo.tasks).toEqual([expect.objectContaining({ responsible_user_id: 99, entity_id: 1, entity_type: 'contacts', task_type_id: 1, complete_till: Date.parse(DEADLINE) / 1000 })]);
  });
});

describe('Zoho Desk', () => {
  const zohoConnector = (fieldMapping: unknown[]) => ({
    name: 'Zoho',
    kind: 'zoho_desk',
    config: { base_url: zoho.url, org_id: 'org-42', department_id: 'dep-1' },
    secrets: { access_token: 'zoho-token-000000001' },
    rules: { ...RULES, field_mapping: fieldMapping },
  });

  it('refuses a mapping that is neither a standard field nor cf_<api name>, with its path', async () => {
    const res = await ctx.admin('POST', '/api/v1/admin/crm_connectors', zohoConnector([{ crm_field: 'cf_topic', value: '{{uid}}' }, { crm_field: 'utm_source', value: '{{uid}}', entity: 'contact' }]));
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toContain('rules.field_mapping[1].crm_field');
  });

  it('puts contact mappings on the contact (created, then found and updated) and ticket mappings on the ticket; a missed call gets a task', async () => {
    await connector(
      zohoConnector([
        { crm_field: 'cf_call_uid', value: '{{uid}}' },
        { crm_field: 'cf_segment', value: 'from {{direction}}', entity: 'contact' },
        { crm_field: 'description', value: 'operator {{operator_id}}', entity: 'contact' },
      ]),
    );
    const first = await post({ client_phone_number: '+7 903 222-33-44', duration: 20 });
    await drain();
    expect(zoho.contacts).toHaveLength(1);
    expect(zoho.contacts[0]).toMatchObject({ phone: '+79032223344', description: 'operator operator@email.com', cf: { cf_segment: expect.stringMatching(/^from /) } });
    expect(zoho.tickets[0]).toMatchObject({ cf: { cf_call_uid: first } });
    expect(zoho.tickets[0]!.cf).not.toHaveProperty('cf_segment');
    expect(zoho.tasks).toHaveLength(0);

    zoho.contacts[0]!.cf = {};
    const second = await post({ client_phone_number: '+7 903 222-33-44' });
    await drain();
    expect(zoho.contacts).toHaveLength(1);
    expect(zoho.contacts[0]!.cf).toMatchObject({ cf_segment: expect.stringMatching(/^from /) });
    expect(zoho.tickets.at(-1)).toMatchObject({ cf: { cf_call_uid: second }, assigneeId: '99', dueDate: DEADLINE });
    expect(zoho.tasks).toEqual([expect.objectContaining({ ticketId: zoho.tickets.at(-1)!.id, assigneeId: '99', dueDate: DEADLINE, departmentId: 'dep-1' })]);
  });
});

describe('Usedesk', () => {
  const usedeskConnector = (config: Record<string, unknown>, rules: Record<string, unknown> = {}) => ({
    name: 'Usedesk',
    kind: 'usedesk',
    config: { base_url: usedesk.url, ticket_mode: 'reuse_open', ...config },
    secrets: { api_token: 'usedesk-token-0001' },
    rules: { user_map: { 'operator@email.com': '501' }, duty_user: '502', ...rules },
  });

  it('reassigns the reused open ticket to the duty user when the call is missed', async () => {
    usedesk.clients.push({ id: 1, name: 'Иван', phone: '8 (912) 345-67-89' });
    await connector(usedeskConnector({}));
    await post({ duration: 30 });
    await drain();
    expect(usedesk.tickets).toHaveLength(1);
    expect(usedesk.tickets[0]).toMatchObject({ assignee_id: 501 });
    await post();
    await drain();
    expect(usedesk.tickets).toHaveLength(1);
    expect(usedesk.tickets[0]).toMatchObject({ assignee_id: 502 });
    expect(usedesk.tickets[0]!.comments).toHaveLength(2);
    expect(usedesk.requests.filter((r) => r.path === '/update/ticket')).toHaveLength(1);
  });

  it('renders the tag template and formats phones as the rules say', async () => {
    usedesk.tickets.length = 0;
    await connector(usedeskConnector({ ticket_mode: 'always_new', tag: 'звонок-{{direction}}' }, { phone_format: 'national' }));
    await post({ duration: 30, direction: 'incoming' });
    await drain();
    expect(usedesk.tickets).toHaveLength(1);
    expect(usedesk.tickets[0]).toMatchObject({ tag: 'звонок-incoming', subject: expect.stringContaining('8 (912) 345-67-89') });
  });

  it('creates no ticket when create_ticket is off: calls join open tickets only (and always_new is refused)', async () => {
    const refused = await ctx.admin('POST', '/api/v1/admin/crm_connectors', usedeskConnector({ ticket_mode: 'always_new', create_ticket: false }));
    expect(refused.status).toBe(422);
    expect(JSON.stringify(await refused.json())).toContain('config.create_ticket');
    usedesk.tickets.length = 0;
    usedesk.tickets.push({ id: 9001, client_id: 1, status_id: 8, subject: 'open', type: 'question', comments: ['first'] });
    const id = await connector(usedeskConnector({ create_ticket: false }));
    await post({ duration: 30 });
    await post({ client_phone_number: '+7 903 555-66-77', duration: 30 });
    await drain();
    expect(usedesk.tickets).toHaveLength(1);
    expect(usedesk.tickets[0]!.comments).toHaveLength(2);
    expect(usedesk.clients.some((c) => c.phone === '79035556677')).toBe(true);
    const states = await ctx.db.selectFrom('crm_deliveries').select('state').where('connector_id', '=', id).execute();
    expect(states.map((s) => s.state)).toEqual(['delivered', 'delivered']);
  });
});
