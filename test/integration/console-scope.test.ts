// The console's communication pages for supervisors and operators (issue 17): the list and a call's page
// read with the user's scope (a call outside it is 404, as missing), the client card shows only calls in
// scope, operators cannot change session tags, only admins replay CRM deliveries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.js';
import { signIn, type ConsoleClient } from '../support/console.js';
import { IN_A, seedPeopleWorld, type PeopleWorld } from '../support/people.js';

let ctx: TestContext;
let world: PeopleWorld;
let supervisor: ConsoleClient;
let operator: ConsoleClient;

beforeAll(async () => {
  ctx = await createTestContext();
  world = await seedPeopleWorld(ctx);
  supervisor = await signIn(ctx, { email: 'sveta@cc.example', password: 'sveta@cc.example password' });
  operator = await signIn(ctx, { email: 'olga@cc.example', password: 'olga@cc.example password' });
});
afterAll(() => ctx.close());

const callsIn = (html: string) => new Set([...html.matchAll(/href="\/console\/communications\/([0-9a-f-]{36})/g)].map((m) => m[1]));

describe('console scope', () => {
  it('lists only the calls in the supervisor’s departments and the operator’s own', async () => {
    const list = await supervisor.get('/console/communications');
    expect(list.status).toBe(200);
    const html = await list.text();
    expect(html).not.toContain('href="/console/operators"');
    const shown = callsIn(html);
    for (const call of world.calls) expect(shown.has(call.id), `${call.operator} ${call.uid}`).toBe(IN_A.includes(call.operator));
    const own = callsIn(await (await operator.get('/console/communications')).text());
    for (const call of world.calls) expect(own.has(call.id), `${call.operator} ${call.uid}`).toBe(call.operator === 'op-a1');
  });

  it('answers a call outside the scope 404, like a missing one; the card lists only calls in scope', async () => {
    const outside = world.calls.find((c) => c.operator === 'op-b')!;
    expect((await supervisor.get(`/console/communications/${outside.id}`)).status).toBe(404);
    expect((await supervisor.get('/console/communications/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const inside = world.calls.find((c) => c.operator === 'op-a1')!;
    const page = await operator.get(`/console/communications/${inside.id}`);
    expect(page.status).toBe(200);
    const linked = callsIn(await page.text());
    for (const call of world.calls) if (linked.has(call.id)) expect(call.operator).toBe('op-a1');
  });

  it('lets a supervisor tag but not an operator; replay is for admins only', async () => {
    const call = world.calls.find((c) => c.operator === 'op-a1')!;
    const operatorPage = await (await operator.get(`/console/communications/${call.id}`)).text();
    expect(operatorPage).not.toContain(`action="/console/communications/${call.id}/tags"`);
    expect((await operator.post(`/console/communications/${call.id}/tags`, { tag: 'x' })).status).toBe(403);
    expect(await (await supervisor.get(`/console/communications/${call.id}`)).text()).toContain(`action="/console/communications/${call.id}/tags"`);
    const outside = world.calls.find((c) => c.operator === 'op-b')!;
    expect((await supervisor.post(`/console/communications/${outside.id}/tags`, { tag: 'x' })).status).toBe(404);
    expect((await supervisor.post(`/console/communications/${call.id}/deliveries/00000000-0000-4000-8000-000000000000/replay`, {})).status).toBe(403);
  });
});
