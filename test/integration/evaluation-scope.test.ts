// Who may evaluate what (issue 18 over issue 17's scope): a supervisor of A evaluates and comments on calls of
// A and its sub-departments, never B's (404 as missing); its scores list holds only those; an operator user
// reads its own evaluations and no one else's, and cannot evaluate or comment (403); the admin sees all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.js';
import { IN_A, seedPeopleWorld, type PeopleWorld } from '../support/people.js';

let ctx: TestContext;
let world: PeopleWorld;
let formId: string;

const FORM = { name: 'Звонок', scoring: 'numeric_simple_sum', groups: [{ name: 'Всё', criteria: [{ key: 'polite', name: 'Вежлив', options: [{ label: 'да', points: 1 }, { label: 'нет', points: 0 }] }] }] };
const as = (token: string, method: string, path: string, body?: unknown) =>
  ctx.app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const evaluate = (token: string, id: string) => as(token, 'POST', `/api/v1/communications/${id}/evaluations`, { form_id: formId, answers: [{ criterion: 'polite', option: 'да' }] });
const listed = async (token: string) => ((await (await as(token, 'GET', '/api/v1/evaluations?limit=100')).json()) as { items: Array<{ communication_id: string }> }).items.map((e) => e.communication_id).sort();

beforeAll(async () => {
  ctx = await createTestContext();
  world = await seedPeopleWorld(ctx);
  formId = ((await (await ctx.admin('POST', '/api/v1/evaluation_forms', FORM)).json()) as { id: string }).id;
});
afterAll(() => ctx.close());

describe('evaluation scope', () => {
  it('lets a supervisor evaluate and comment within its departments only', async () => {
    for (const call of world.calls) {
      const res = await evaluate(world.tokens.supervisor, call.id);
      expect(res.status, `${call.operator} ${call.uid}`).toBe(IN_A.includes(call.operator) ? 201 : 404);
      const comment = await as(world.tokens.supervisor, 'POST', `/api/v1/communications/${call.id}/comments`, { text: 'хорошо', flag: 'green' });
      expect(comment.status).toBe(IN_A.includes(call.operator) ? 201 : 404);
    }
    const outside = world.calls.find((c) => c.operator === 'op-b')!;
    expect((await evaluate(world.tokens.adminUser, outside.id)).status).toBe(201);
  });

  it('lists scores by scope: the supervisor its departments, the operator its own, the admin all', async () => {
    const inA = world.calls.filter((c) => IN_A.includes(c.operator)).map((c) => c.id).sort();
    expect(await listed(world.tokens.supervisor)).toEqual(inA);
    expect(await listed(world.tokens.operator)).toEqual(world.calls.filter((c) => c.operator === 'op-a1').map((c) => c.id).sort());
    expect(await listed(world.tokens.adminUser)).toHaveLength(inA.length + 1);
    const own = world.calls.find((c) => c.operator === 'op-a1')!;
    expect((await as(world.tokens.operator, 'GET', `/api/v1/communications/${own.id}/evaluations`)).status).toBe(200);
    const other = world.calls.find((c) => c.operator === 'op-a')!;
    expect((await as(world.tokens.operator, 'GET', `/api/v1/communications/${other.id}/evaluations`)).status).toBe(404);
  });

  it('refuses an operator evaluating or commenting, even its own calls', async () => {
    const own = world.calls.find((c) => c.operator === 'op-a1')!;
    const res = await evaluate(world.tokens.operator, own.id);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await as(world.tokens.operator, 'POST', `/api/v1/communications/${own.id}/comments`, { text: 'x' })).status).toBe(403);
  });
});
