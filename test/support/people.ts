// A contact centre with structure, for the access scope tests: departments A (sub-department A1, and under it
// A1a) and B, an operator in each and one in none, two calls per operator (one with a client they all share,
// one with a client of its own; recordings on some), and users — an admin, a supervisor of A, an operator user
// of A1's operator — with their tokens.
import { expect } from 'vitest';
import type { TestContext } from './context.js';
import { bytesOf, speech } from './audio.js';
import { callBody, createIntegration, createOperator, postCall, type Integration } from './fixtures.js';

export const OPERATORS = ['op-a', 'op-a1', 'op-a1a', 'op-b', 'op-none'] as const;
export type OperatorName = (typeof OPERATORS)[number];
/** The operators whose calls the supervisor of A sees (A and every department under it). */
export const IN_A: readonly OperatorName[] = ['op-a', 'op-a1', 'op-a1a'];
/** Calls with a recording uploaded. */
export const RECORDED: readonly OperatorName[] = ['op-a1', 'op-b'];

export interface Call {
  id: string;
  uid: string;
  operator: OperatorName;
  client: string;
}

export interface PeopleWorld {
  integration: Integration;
  departments: Record<'A' | 'A1' | 'A1a' | 'B', string>;
  operators: Record<OperatorName, string>;
  calls: Call[];
  tokens: { adminUser: string; supervisor: string; operator: string };
}

const json = async <T>(res: Response): Promise<T> => {
  if (res.status >= 300) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};

async function department(ctx: TestContext, name: string, parent?: string): Promise<string> {
  return (await json<{ id: string }>(await ctx.admin('POST', '/api/v1/admin/departments', { name, ...(parent ? { parent_id: parent } : {}) }))).id;
}

async function user(ctx: TestContext, body: Record<string, unknown>): Promise<string> {
  const password = `${String(body.email)} password`;
  await json(await ctx.admin('POST', '/api/v1/admin/users', { ...body, password }));
  const res = await ctx.app.request('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: body.email, password }) });
  return (await json<{ token: string }>(res)).token;
}

export async function seedPeopleWorld(ctx: TestContext): Promise<PeopleWorld> {
  const integration = await createIntegration(ctx);
  const A = await department(ctx, 'Отдел A');
  const A1 = await department(ctx, 'Отдел A1', A);
  const A1a = await department(ctx, 'Отдел A1a', A1);
  const B = await department(ctx, 'Отдел B');
  const departmentOf: Record<OperatorName, string | undefined> = { 'op-a': A, 'op-a1': A1, 'op-a1a': A1a, 'op-b': B, 'op-none': undefined };
  const operators = {} as Record<OperatorName, string>;
  for (const name of OPERATORS) operators[name] = (await createOperator(ctx, { external_id: name, ...(departmentOf[name] ? { department_id: departmentOf[name] } : {}) })).id;

  const recording = bytesOf(speech('договор подписан'));
  const calls: Call[] = [];
  for (const [i, name] of OPERATORS.entries()) {
    for (const [n, client] of [[1, 'shared-client'], [2, `client-of-${name}`]] as const) {
      const uid = `${name}-${n}`;
      const res = await postCall(ctx, integration, callBody({ uid, operator_id: name, client: { id: client, first_name: 'Иван' }, started_at: `2024-03-0${i + 1}T1${n}:00:00+03:00`, transcript: 'клиент спросил про договор' }));
      calls.push({ id: (await json<{ id: string }>(res)).id, uid, operator: name, client });
      if (n === 1 && RECORDED.includes(name)) {
        const put = await ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls/${uid}/recording`, { method: 'PUT', headers: { authorization: integration.token, 'content-type': 'audio/wav' }, body: recording });
        expect(put.status).toBe(200);
      }
    }
  }
  expect(await ctx.services.searchSync.drain()).toMatchObject({ failed: 0 });

  const tokens = {
    adminUser: await user(ctx, { email: 'boss@cc.example', name: 'Boss', role: 'admin' }),
    supervisor: await user(ctx, { email: 'sveta@cc.example', name: 'Света', role: 'supervisor', department_ids: [A] }),
    operator: await user(ctx, { email: 'olga@cc.example', name: 'Ольга', role: 'operator', operator_id: operators['op-a1'] }),
  };
  return { integration, departments: { A, A1, A1a, B }, operators, calls, tokens };
}
