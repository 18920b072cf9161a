// Quality evaluation (issue 18, API.md "Quality evaluation"): forms with versions, evaluating a call and a
// chat, answers checked at the criterion's path, the scores list with filters and cursor paging, comments
// with flags; supervisors and operators meet evaluationScope's placeholder (404) and cannot write forms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, createOperator, postCall, seedWorld, type Integration } from '../support/fixtures.js';

let ctx: TestContext;
let integration: Integration;
let departmentA: string;
let departmentB: string;
let olga: string;
let ivan: string;
const calls: string[] = [];
let chatId: string;
let adminUser: { id: string; token: string };
let supervisorToken: string;

const json = async <T = Record<string, any>>(res: Response) => (await res.json()) as T;
const as = (token: string, method: string, path: string, body?: unknown) =>
  ctx.app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
async function expectStatus(res: Response, status: number) {
  expect(res.status, await res.clone().text()).toBe(status);
  return json(res);
}
async function signedInUser(body: Record<string, unknown>) {
  const password = 'evaluation password 1';
  const user = await expectStatus(await ctx.admin('POST', '/api/v1/admin/users', { ...body, password }), 201);
  const res = await ctx.app.request('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: body.email, password }) });
  return { id: user.id as string, token: (await expectStatus(res, 200)).token as string };
}

/** 2 groups, 4 criteria: points and weights picked so every method's result is easy to compute by hand. */
const FORM = {
  name: 'Звонки: стандарт',
  scoring: 'percentage_weighted_average',
  groups: [
    {
      name: 'Приветствие',
      criteria: [
        { key: 'greeting', name: 'Поздоровался', options: [{ label: 'да', points: 1 }, { label: 'нет', points: 0 }] },
        { key: 'name', name: 'Представился', allow_na: true, weight: 2, options: [{ label: 'да', points: 2 }, { label: 'частично', points: 1 }, { label: 'нет', points: 0 }] },
      ],
    },
    {
      name: 'Решение',
      criteria: [
        { key: 'solved', name: 'Решил вопрос', weight: 3, options: [{ label: 'да', points: 4 }, { label: 'нет', points: 0 }] },
        { key: 'polite', name: 'Вежлив', description: 'Без грубости', options: [{ label: 'да', points: 1 }, { label: 'нет', points: 0 }] },
      ],
    },
  ],
  zones: [
    { name: 'red', from: 0, to: 59.99 },
    { name: 'yellow', from: 60, to: 84.99 },
    { name: 'green', from: 85, to: 100 },
  ],
};
let formId: string;

const answers = (name: { option?: string; na?: boolean }, solved = 'да') => [
  { criterion: 'greeting', option: 'да' },
  { criterion: 'name', ...name },
  { criterion: 'solved', option: solved, comment: 'быстро' },
  { criterion: 'polite', option: 'нет' },
];

beforeAll(async () => {
  ctx = await createTestContext();
  ({ integration } = await seedWorld(ctx));
  departmentA = (await expectStatus(await ctx.admin('POST', '/api/v1/admin/departments', { name: 'A' }), 201)).id;
  departmentB = (await expectStatus(await ctx.admin('POST', '/api/v1/admin/departments', { name: 'B' }), 201)).id;
  olga = (await createOperator(ctx, { external_id: 'olga', first_name: 'Olga', department_id: departmentA })).id;
  ivan = (await createOperator(ctx, { external_id: 'ivan', department_id: departmentB })).id;
  for (const [i, operator] of ['olga', 'olga', 'ivan'].entries()) {
    calls.push((await expectStatus(await postCall(ctx, integration, callBody({ uid: `call-${i}`, operator_id: operator })), 201)).id);
  }
  const chat = await ctx.app.request(`/api/v1/integrations/${integration.id}/chats`, {
    method: 'POST',
    headers: { authorization: integration.token },
    body: JSON.stringify({ uid: 'chat-1', operator_id: 'olga', started_at: '2024-05-14T10:00:00+03:00', messages: [{ id: 'm1', author: 'client', text: 'Где заказ?', sent_at: '2024-05-14T10:00:01+03:00' }] }),
  });
  chatId = (await expectStatus(chat, 201)).id;
  adminUser = await signedInUser({ email: 'boss@cc.example', name: 'Босс', role: 'admin' });
  supervisorToken = (await signedInUser({ email: 'sup@cc.example', name: 'Супервизор', role: 'supervisor', department_ids: [departmentA] })).token;
});
afterAll(() => ctx?.close());

describe('evaluation forms', () => {
  it('creates a form with defaults filled in, lists it, reads it', async () => {
    const created = await expectStatus(await ctx.admin('POST', '/api/v1/evaluation_forms', FORM), 201);
    formId = created.id;
    expect(created).toMatchObject({ version: 1, name: FORM.name, scoring: 'percentage_weighted_average', kinds: ['call', 'chat'], department_ids: [], zones: FORM.zones });
    expect(created.groups[0].criteria[0]).toEqual({ key: 'greeting', name: 'Поздоровался', description: null, weight: 1, allow_na: false, options: [{ label: 'да', points: 1 }, { label: 'нет', points: 0 }] });
    const list = await expectStatus(await ctx.admin('GET', '/api/v1/evaluation_forms'), 200);
    expect(list.items.map((f: { id: string }) => f.id)).toEqual([formId]);
    expect(await expectStatus(await as(supervisorToken, 'GET', `/api/v1/evaluation_forms/${formId}`), 200)).toEqual(created);
  });

  it('answers bad forms 422 with the paths: weight 0, duplicate keys, overlapping zones, unknown departments', async () => {
    const bad = structuredClone(FORM) as any;
    bad.groups[0].criteria[1].weight = 0;
    let error = (await expectStatus(await ctx.admin('POST', '/api/v1/evaluation_forms', bad), 422)).error;
    expect(error.code).toBe('validation_failed');
    expect(error.details.map((d: { path: string }) => d.path)).toEqual(['groups[0].criteria[1].weight']);

    const dup = structuredClone(FORM) as any;
    dup.groups[1].criteria[0].key = 'greeting';
    dup.zones[1].from = 50;
    error = (await expectStatus(await ctx.admin('POST', '/api/v1/evaluation_forms', dup), 422)).error;
    expect(error.details.map((d: { path: string; code: string }) => [d.path, d.code])).toEqual([
      ['groups[1].criteria[0].key', 'duplicate_key'],
      ['zones[1].from', 'zones_overlap'],
    ]);

    error = (await expectStatus(await ctx.admin('POST', '/api/v1/evaluation_forms', { ...FORM, department_ids: [crypto.randomUUID()] }), 422)).error;
    expect(error).toMatchObject({ code: 'department_not_found', details: [{ path: 'department_ids[0]' }] });
    expect((await expectStatus(await ctx.admin('POST', '/api/v1/evaluation_forms', { ...FORM, scoring: 'median' }), 422)).error.details[0].path).toBe('scoring');
    expect((await ctx.admin('GET', '/api/v1/evaluation_forms')).status).toBe(200);
    expect((await json(await ctx.admin('GET', '/api/v1/evaluation_forms'))).items).toHaveLength(1);
  });

  it('lets only admins write forms: a supervisor gets 403, an unknown form 404', async () => {
    expect((await expectStatus(await as(supervisorToken, 'POST', '/api/v1/evaluation_forms', FORM), 403)).error.code).toBe('forbidden');
    expect((await expectStatus(await as(supervisorToken, 'PUT', `/api/v1/evaluation_forms/${formId}`, FORM), 403)).error.code).toBe('forbidden');
    expect((await expectStatus(await ctx.admin('GET', `/api/v1/evaluation_forms/${crypto.randomUUID()}`), 404)).error.code).toBe('evaluation_form_not_found');
    expect((await expectStatus(await ctx.admin('PUT', `/api/v1/evaluation_forms/not-a-uuid`, FORM), 404)).error.code).toBe('evaluation_form_not_found');
  });
});

describe('evaluating', () => {
  let first: Record<string, any>;

  it('evaluates a call: 201 with operator, evaluator, form version, result by the form’s method, answers', async () => {
    first = await expectStatus(await as(adminUser.token, 'POST', `/api/v1/communications/${calls[0]}/evaluations`, { form_id: formId, answers: answers({ option: 'частично' }), comment: 'хорошо' }), 201);
    // Weighted percentage: greeting 1·(1/1), name 2·(1/2), solved 3·(4/4), polite 1·(0/1) → 100·5/7 = 71.43.
    // Groups: Приветствие 100·(1 + 1)/3 = 66.67; Решение 100·3/4 = 75.
    expect(first).toMatchObject({
      communication_id: calls[0],
      operator: { id: olga, external_id: 'olga', first_name: 'Olga', last_name: null },
      department_id: departmentA,
      evaluator: { type: 'user', id: adminUser.id, email: 'boss@cc.example', name: 'Босс' },
      form: { id: formId, version: 1, name: FORM.name },
      result: { score: 71.43, zone: 'yellow', groups: [{ name: 'Приветствие', score: 66.67 }, { name: 'Решение', score: 75 }] },
      comment: 'хорошо',
    });
    expect(first.answers).toEqual([
      { criterion: 'greeting', option: 'да', points: 1, na: false, comment: null },
      { criterion: 'name', option: 'частично', points: 1, na: false, comment: null },
      { criterion: 'solved', option: 'да', points: 4, na: false, comment: 'быстро' },
      { criterion: 'polite', option: 'нет', points: 0, na: false, comment: null },
    ]);
    expect(Date.parse(first.created_at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('evaluates a chat with the admin token; N/A leaves the criterion out', async () => {
    const chatEval = await expectStatus(await ctx.admin('POST', `/api/v1/communications/${chatId}/evaluations`, { form_id: formId, answers: answers({ na: true }) }), 201);
    // greeting 1, solved 3·1, polite 0 → 100·4/5 = 80; Приветствие 100·1/1 = 100.
    expect(chatEval).toMatchObject({ evaluator: { type: 'admin_token', id: null }, result: { score: 80, zone: 'yellow', groups: [{ name: 'Приветствие', score: 100 }, { name: 'Решение', score: 75 }] }, comment: null });
    expect(chatEval.answers[1]).toEqual({ criterion: 'name', option: null, points: null, na: true, comment: null });
  });

  it('answers bad answers 422 at the criterion’s path, all N/A 422 nothing_to_score', async () => {
    const post = (body: unknown) => ctx.admin('POST', `/api/v1/communications/${calls[1]}/evaluations`, body);
    let error = (await expectStatus(await post({ form_id: formId, answers: [{ criterion: 'greeting', na: true }, { criterion: 'name', option: 'может быть' }, { criterion: 'solved', option: 'да' }, { criterion: 'extra', option: 'да' }] }), 422)).error;
    expect(error.code).toBe('validation_failed');
    expect(error.details.map((d: { path: string; code: string }) => [d.path, d.code])).toEqual([
      ['answers[3].criterion', 'unknown_criterion'],
      ['answers.greeting', 'na_not_allowed'],
      ['answers.name', 'unknown_option'],
      ['answers.polite', 'answer_required'],
    ]);
    const naForm = await expectStatus(await ctx.admin('POST', '/api/v1/evaluation_forms', { name: 'N/A', scoring: 'numeric_simple_sum', groups: [{ name: 'G', criteria: [{ key: 'a', name: 'A', allow_na: true, options: [{ label: 'ok', points: 1 }] }] }] }), 201);
    error = (await expectStatus(await post({ form_id: naForm.id, answers: [{ criterion: 'a', na: true }] }), 422)).error;
    expect(error.code).toBe('nothing_to_score');
    error = (await expectStatus(await post({ form_id: crypto.randomUUID(), answers: [] }), 422)).error;
    expect(error).toMatchObject({ code: 'form_not_found', details: [{ path: 'form_id' }] });
    expect((await expectStatus(await post({ answers: [] }), 422)).error.details[0].path).toBe('form_id');
    expect((await expectStatus(await ctx.admin('POST', `/api/v1/communications/${crypto.randomUUID()}/evaluations`, { form_id: formId, answers: answers({ na: true }) }), 404)).error.code).toBe('communication_not_found');
  });

  it('takes a form only for its kinds and departments', async () => {
    const chatsOfB = await expectStatus(await ctx.admin('POST', '/api/v1/evaluation_forms', { ...FORM, name: 'Чаты B', kinds: ['chat'], department_ids: [departmentB] }), 201);
    for (const id of [calls[2], chatId]) {
      const error = (await expectStatus(await ctx.admin('POST', `/api/v1/communications/${id}/evaluations`, { form_id: chatsOfB.id, answers: answers({ na: true }) }), 422)).error;
      expect(error).toMatchObject({ code: 'form_not_applicable', details: [{ path: 'form_id' }] });
    }
  });

  it('makes a new version on PUT; old evaluations keep theirs, new ones use the new one', async () => {
    const edited = structuredClone(FORM) as any;
    edited.name = 'Звонки: стандарт v2';
    edited.scoring = 'numeric_simple_sum';
    const v2 = await expectStatus(await ctx.admin('PUT', `/api/v1/evaluation_forms/${formId}`, edited), 200);
    expect(v2).toMatchObject({ id: formId, version: 2, name: edited.name, scoring: 'numeric_simple_sum' });
    expect(await expectStatus(await ctx.admin('GET', `/api/v1/evaluation_forms/${formId}?version=1`), 200)).toMatchObject({ version: 1, name: FORM.name, scoring: 'percentage_weighted_average' });
    expect((await expectStatus(await ctx.admin('GET', `/api/v1/evaluation_forms/${formId}?version=3`), 404)).error.code).toBe('evaluation_form_not_found');

    const second = await expectStatus(await ctx.admin('POST', `/api/v1/communications/${calls[1]}/evaluations`, { form_id: formId, answers: answers({ option: 'да' }, 'нет') }), 201);
    // Numeric sum: 1 + 2 + 0 + 0 = 3.
    expect(second).toMatchObject({ form: { id: formId, version: 2, name: edited.name }, result: { score: 3, zone: 'red' } });
    const ofCall = await expectStatus(await ctx.admin('GET', `/api/v1/communications/${calls[0]}/evaluations`), 200);
    expect(ofCall.items).toEqual([first]);
  });
});

describe('scores list', () => {
  it('filters by operator, department, form and evaluator, and pages by cursor newest first', async () => {
    await expectStatus(await ctx.admin('POST', `/api/v1/communications/${calls[2]}/evaluations`, { form_id: formId, answers: answers({ option: 'нет' }) }), 201);
    const all = await expectStatus(await ctx.admin('GET', '/api/v1/evaluations'), 200);
    expect(all.items.map((e: { communication_id: string }) => e.communication_id)).toEqual([calls[2], calls[1], chatId, calls[0]]);
    expect(all.next_cursor).toBeNull();

    const ids = async (query: string) => (await expectStatus(await ctx.admin('GET', `/api/v1/evaluations?${query}`), 200)).items.map((e: { communication_id: string }) => e.communication_id);
    expect(await ids(`operator_id=${ivan}`)).toEqual([calls[2]]);
    expect(await ids(`department_id=${departmentA}`)).toEqual([calls[1], chatId, calls[0]]);
    expect(await ids(`evaluator_id=${adminUser.id}`)).toEqual([calls[0]]);
    expect(await ids(`form_id=${formId}&operator_id=${olga}`)).toEqual([calls[1], chatId, calls[0]]);
    expect(await ids(`form_id=${crypto.randomUUID()}`)).toEqual([]);
    expect(await ids(`from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    expect(await ids(`to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&from=2020-01-01T00:00:00Z`)).toHaveLength(4);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await expectStatus(await ctx.admin('GET', `/api/v1/evaluations?limit=3${cursor ? `&cursor=${cursor}` : ''}`), 200)) as { items: Array<{ communication_id: string }>; next_cursor: string | null };
      seen.push(...page.items.map((e) => e.communication_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.items.map((e: { communication_id: string }) => e.communication_id));

    const error = (await expectStatus(await ctx.admin('GET', '/api/v1/evaluations?operator_id=nope&cursor=abc&from=yesterday'), 422)).error;
    expect(error.details.map((d: { path: string }) => d.path).sort()).toEqual(['cursor', 'from', 'operator_id']);
  });
});

describe('comments', () => {
  it('pins comments with flags to a moment of the recording and lists them in order', async () => {
    const red = await expectStatus(await as(adminUser.token, 'POST', `/api/v1/communications/${calls[0]}/comments`, { text: 'Перебил клиента', at_seconds: 12.5, flag: 'red' }), 201);
    expect(red).toMatchObject({ communication_id: calls[0], author: { type: 'user', id: adminUser.id, email: 'boss@cc.example' }, text: 'Перебил клиента', at_seconds: 12.5, flag: 'red' });
    const plain = await expectStatus(await ctx.admin('POST', `/api/v1/communications/${calls[0]}/comments`, { text: 'Итог' }), 201);
    expect(plain).toMatchObject({ author: { type: 'admin_token', id: null }, at_seconds: null, flag: null });
    const list = await expectStatus(await ctx.admin('GET', `/api/v1/communications/${calls[0]}/comments`), 200);
    expect(list.items).toEqual([red, plain]);
    expect((await expectStatus(await ctx.admin('GET', `/api/v1/communications/${calls[1]}/comments`), 200)).items).toEqual([]);
  });

  it('answers bad comments 422 with paths and an unknown communication 404', async () => {
    const error = (await expectStatus(await ctx.admin('POST', `/api/v1/communications/${calls[0]}/comments`, { text: ' ', at_seconds: -1, flag: 'blue' }), 422)).error;
    expect(error.details.map((d: { path: string }) => d.path).sort()).toEqual(['at_seconds', 'flag', 'text']);
    expect((await expectStatus(await ctx.admin('POST', `/api/v1/communications/${crypto.randomUUID()}/comments`, { text: 'x' }), 404)).error.code).toBe('communication_not_found');
    expect((await expectStatus(await ctx.admin('GET', '/api/v1/communications/not-a-uuid/comments'), 404)).error.code).toBe('communication_not_found');
  });
});
