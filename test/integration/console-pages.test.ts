// Console pages through app.request on a real database: the list's URL filters become search results,
// bad filter values are answered 422 beside their control, and every admin form does what the API does
// (field errors next to fields, CSRF required, tokens shown once, CSV per-line errors, sources checked).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, type ConsoleClient } from '../support/console.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';
import { cdrLine, pbxDir } from '../support/pbx-files.js';

let ctx: TestContext;
let client: ConsoleClient;
let integration: Integration;

beforeAll(async () => {
  ctx = await createTestContext();
  ({ integration } = await seedWorld(ctx));
  const calls = [
    { uid: 'c-1', started_at: '2024-03-01T10:00:00+03:00', duration: 30, custom_fields: { reopen_count: 1, topic: 'billing', opened_at: '2024-02-28T10:00:00Z' } },
    { uid: 'c-2', started_at: '2024-03-02T10:00:00+03:00', duration: 300, custom_fields: { reopen_count: 5, topic: 'access', opened_at: '2024-03-01T09:00:00Z' } },
    { uid: 'c-3', started_at: '2024-03-03T10:00:00+03:00', duration: 90, direction: 'outcoming', custom_fields: { reopen_count: 7, topic: 'access' }, tags: ['escalated'] },
  ];
  for (const call of calls) expect((await postCall(ctx, integration, callBody(call))).status).toBe(201);
  await ctx.services.searchSync.drain();
  client = await signIn(ctx);
});
afterAll(() => ctx.close());

const uidsIn = (html: string) => [...html.matchAll(/<td>(?:call)<\/td>/g)].length;
const list = async (query: string) => {
  const res = await client.get(`/console/communications?${query}`);
  return { status: res.status, html: await res.text() };
};
const shownUids = async (query: string) => {
  const { status, html } = await list(query);
  expect(status, html).toBe(200);
  const ids = [...html.matchAll(/href="\/console\/communications\/([0-9a-f-]{36})/g)].map((m) => m[1]!);
  const rows = ids.length ? await ctx.db.selectFrom('communications').select(['id', 'uid']).where('id', 'in', ids).execute() : [];
  const uidOf = new Map(rows.map((r) => [r.id, r.uid]));
  expect(uidsIn(html)).toBe(ids.length);
  return ids.map((id) => uidOf.get(id));
};

describe('communications list', () => {
  it('shows a control per filterable custom field, fitted to its type, and none for the others', async () => {
    const { html } = await list('');
    expect(html).toContain('name="cf.reopen_count.min"');
    expect(html).toContain('name="cf.reopen_count.max"');
    expect(html).toContain('name="cf.opened_at.from"');
    expect(html).toMatch(/name="cf\.opened_at\.to" type="date"/);
    expect(html).toContain('name="cf.topic"');
    expect(html).not.toContain('cf.sub-topic');
  });

  it('turns URL filters into search results (custom number range, text, core fields, dates, order)', async () => {
    expect(await shownUids('')).toEqual(['c-3', 'c-2', 'c-1']);
    expect(await shownUids('cf.reopen_count.min=3')).toEqual(['c-3', 'c-2']);
    expect(await shownUids('cf.reopen_count.min=3&cf.reopen_count.max=6')).toEqual(['c-2']);
    expect(await shownUids('cf.topic=access&direction=outcoming')).toEqual(['c-3']);
    expect(await shownUids('cf.opened_at.from=2024-03-01&tz=UTC')).toEqual(['c-2']);
    expect(await shownUids('started.from=2024-03-02&started.to=2024-03-02&tz=Europe%2FMoscow')).toEqual(['c-2']);
    expect(await shownUids('tag=escalated')).toEqual(['c-3']);
    expect(await shownUids('duration.min=60&sort=shortest')).toEqual(['c-3', 'c-2']);
    expect(await shownUids('operator=nobody@example.com')).toEqual([]);
  });

  it('pages with the cursor in the URL', async () => {
    const first = await list('limit=25');
    expect(first.html).not.toContain('rel="next"');
    // Two per page is not offered: ask for 25 and check the cursor link appears when a page is full.
    const more = [];
    for (let i = 0; i < 25; i++) more.push(postCall(ctx, integration, callBody({ uid: `p-${i}`, started_at: '2023-01-01T10:00:00Z' })));
    await Promise.all(more);
    await ctx.services.searchSync.drain();
    const page1 = await list('limit=25');
    const next = /href="([^"]+)" rel="next"/.exec(page1.html)![1]!.replaceAll('&amp;', '&');
    expect(next).toContain('cursor=');
    const page2 = await client.get(next);
    const html = await page2.text();
    expect(page2.status).toBe(200);
    expect([...html.matchAll(/href="\/console\/communications\/[0-9a-f-]{36}/g)]).toHaveLength(3);
    expect(html).toContain('First page');
  });

  it('answers unreadable values with 422 and the message beside the control, never a 5xx', async () => {
    const bad = await list('cf.reopen_count.min=lots&started.from=yesterday&sort=random');
    expect(bad.status).toBe(422);
    expect(bad.html).toMatch(/id="f-cf_reopen_count_min-error"[^>]*>enter a number/);
    expect(bad.html).toMatch(/id="f-started_from-error"[^>]*>enter a date as YYYY-MM-DD/);
    expect(bad.html).toContain('aria-invalid="true"');
    const cursor = await list('cursor=not-a-cursor');
    expect(cursor.status).toBe(422);
    expect(cursor.html).toContain('cursor is not one this search returned');
  });

  it('shows one communication with its custom fields by name, and 404 for unknown ids', async () => {
    const row = await ctx.db.selectFrom('communications').select('id').where('uid', '=', 'c-2').executeTakeFirstOrThrow();
    const res = await client.get(`/console/communications/${row.id}`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('<dt>Reopen count</dt><dd>5</dd>');
    expect(html).toContain('Recording pending');
    expect((await client.get('/console/communications/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await client.get('/console/communications/not-a-uuid')).status).toBe(404);
  });
});

describe('custom fields page', () => {
  it('creates a field, and puts errors next to the fields that caused them', async () => {
    const created = await client.post('/console/custom-fields', { key: 'channel', name: 'Channel', type: 'enum', options: 'web\r\nphone', used_for_filtering: 'true' });
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe('/console/custom-fields?saved=channel&index=applied');
    const field = await ctx.db.selectFrom('custom_fields').select(['type', 'options', 'used_for_filtering']).where('key', '=', 'channel').executeTakeFirstOrThrow();
    expect(field).toEqual({ type: 'enum', options: ['web', 'phone'], used_for_filtering: true });

    const again = await client.post('/console/custom-fields', { key: 'channel', name: 'Channel', type: 'string' });
    expect(again.status).toBe(422);
    expect(await again.text()).toContain('a custom field with key &quot;channel&quot; exists');
    const noOptions = await client.post('/console/custom-fields', { key: 'level', name: 'Level', type: 'enum', options: '' });
    expect(noOptions.status).toBe(422);
    expect(await noOptions.text()).toMatch(/id="f-options-error"[^>]*>an enum field needs options/);
    const badKey = await client.post('/console/custom-fields', { key: 'has space', name: 'X', type: 'string' });
    expect(await badKey.text()).toMatch(/id="f-key-error"[^>]*>1–64 letters/);
  });

  it('edits flags and options, warning that the filtering flag changes index settings', async () => {
    const page = await (await client.get('/console/custom-fields/channel')).text();
    expect(page).toContain('data-index-flag="index-note"');
    expect(page).toContain('Postgres builds (or drops) an index on this field');
    const res = await client.post('/console/custom-fields/channel', { name: 'Contact channel', options: 'web\nphone\nemail' });
    expect(res.status).toBe(303);
    const field = await ctx.db.selectFrom('custom_fields').select(['name', 'options', 'used_for_filtering']).where('key', '=', 'channel').executeTakeFirstOrThrow();
    expect(field).toEqual({ name: 'Contact channel', options: ['web', 'phone', 'email'], used_for_filtering: false });
    const removed = await client.post('/console/custom-fields/channel', { name: 'Contact channel', options: 'web' });
    expect(removed.status).toBe(422);
    expect(await removed.text()).toContain('options can only be added');
  });

  it('refuses a form without the CSRF token and changes nothing', async () => {
    const res = await client.post('/console/custom-fields', { key: 'sneaky', name: 'Sneaky', type: 'string' }, { csrf: null });
    expect(res.status).toBe(403);
    expect(await ctx.db.selectFrom('custom_fields').select('key').where('key', '=', 'sneaky').executeTakeFirst()).toBeUndefined();
  });
});

describe('integrations page', () => {
  it('shows the token once, which then works for ingest; rotating retires it', async () => {
    const res = await client.post('/console/integrations', { name: 'Branch PBX', default_timezone: 'Europe/Moscow' });
    expect(res.status).toBe(201);
    const html = await res.text();
    const token = /data-testid="token">([^<]+)</.exec(html)![1]!.trim();
    const url = /id="calls-url">([^<]+)</.exec(html)![1]!.trim();
    expect(html).toContain(`Authorization: ${token}`);
    const id = /integrations\/([0-9a-f-]{36})\/phone_calls/.exec(url)![1]!;
    const posted = await ctx.app.request(`/api/v1/integrations/${id}/phone_calls`, { method: 'POST', headers: { authorization: token }, body: JSON.stringify(callBody({ uid: 'via-console' })) });
    expect(posted.status).toBe(201);
    expect(await (await client.get('/console/integrations')).text()).not.toContain(token);

    const rotated = await client.post(`/console/integrations/${id}/rotate`, {});
    expect(rotated.status).toBe(200);
    const newToken = /data-testid="token">([^<]+)</.exec(await rotated.text())![1]!.trim();
    expect(newToken).not.toBe(token);
    const old = await ctx.app.request(`/api/v1/integrations/${id}/phone_calls`, { method: 'POST', headers: { authorization: token }, body: JSON.stringify(callBody({ uid: 'old-token' })) });
    expect(old.status).toBe(401);
  });

  it('puts a bad time zone next to its field', async () => {
    const res = await client.post('/console/integrations', { name: 'X', default_timezone: 'Mars/Olympus' });
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(/id="f-default_timezone-error"[^>]*>an IANA time zone/);
  });
});

describe('operators page', () => {
  it('imports CSV with a per-line error report', async () => {
    const csv = 'external_id,email,first_name,department,active\nivan@example.com,ivan@example.com,Ivan,Sales,true\n,nobody@example.com,Empty,,true\npetr@example.com,not-an-email,Petr,,true\nivan@example.com,,Dup,,true\n';
    const form = new FormData();
    form.set('_csrf', client.csrf);
    form.set('file', new File([csv], 'operators.csv', { type: 'text/csv' }));
    const res = await ctx.app.request('/console/operators/import', { method: 'POST', headers: { cookie: client.cookie }, body: form });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('1 created, 0 updated, 3 lines with errors.');
    expect(html).toMatch(/<td>3<\/td><td>external_id: external_id is empty<\/td>/);
    expect(html).toMatch(/<td>4<\/td><td>email: email is not an email address<\/td>/);
    expect(html).toMatch(/<td>5<\/td><td>external_id &quot;ivan@example.com&quot; repeats line 2<\/td>/);
    expect(html).toContain('<li>Sales</li>');
    const bad = await client.post('/console/operators/import', { csv: 'who,what\n1,2\n' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toMatch(/id="f-csv-error"[^>]*>unknown columns: who, what/);
  });

  it('edits an operator, with errors next to fields', async () => {
    const op = await ctx.db.selectFrom('operators').select('id').where('external_id', '=', 'ivan@example.com').executeTakeFirstOrThrow();
    const bad = await client.post(`/console/operators/${op.id}`, { external_id: 'ivan@example.com', email: 'nope' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toMatch(/id="f-email-error"[^>]*>not an email address/);
    const taken = await client.post(`/console/operators/${op.id}`, { external_id: 'operator@email.com', active: 'true' });
    expect(taken.status).toBe(422);
    expect(await taken.text()).toMatch(/id="f-external_id-error"[^>]*>an operator with external_id/);
    const ok = await client.post(`/console/operators/${op.id}`, { external_id: 'ivan@example.com', last_name: 'Petrov' });
    expect(ok.status).toBe(303);
    const row = await ctx.db.selectFrom('operators').select(['last_name', 'active', 'first_name']).where('id', '=', op.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ last_name: 'Petrov', active: false, first_name: null });
  });

  it('adds departments, refusing duplicates beside the field', async () => {
    expect((await client.post('/console/operators/departments', { department_name: 'Support' })).status).toBe(303);
    const dup = await client.post('/console/operators/departments', { department_name: 'Support' });
    expect(dup.status).toBe(422);
    expect(await dup.text()).toMatch(/id="f-department_name-error"[^>]*>a department named/);
  });
});

describe('pull sources page', () => {
  const dir = pbxDir();
  const csv = path.join(dir, 'Master.csv');
  let sourceId: string;

  it('shows config errors next to the fields, then creates a source the service checked', async () => {
    const form = await (await client.get('/console/sources/new?kind=asterisk_cdr_csv')).text();
    expect(form).toContain('name="config.path"');
    expect(form).toMatch(/name="config.encoding"/);
    const bad = await client.post('/console/sources/new', { kind: 'asterisk_cdr_csv', name: 'Files', integration_id: integration.id, schedule: 'every minute', 'config.path': 'relative/Master.csv', 'config.recording_wait_minutes': 'x' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toMatch(/id="f-config_recording_wait_minutes-error"[^>]*>enter a number/);
    const bad2 = await client.post('/console/sources/new', { kind: 'asterisk_cdr_csv', name: 'Files', integration_id: integration.id, schedule: 'every minute', 'config.path': 'relative/Master.csv' });
    const html = await bad2.text();
    expect(html).toMatch(/id="f-schedule-error"[^>]*>must be a cron expression/);
    expect(html).toMatch(/id="f-config_path-error"[^>]*>must be an absolute, normalised path/);

    writeFileSync(csv, cdrLine({ src: '+74950000001', dst: 'operator@email.com', start: '2024-03-01 10:00:00', uniqueid: '1709276400.1' }));
    const created = await client.post('/console/sources/new', { kind: 'asterisk_cdr_csv', name: 'Files', integration_id: integration.id, schedule: '*/5 * * * *', active: 'true', 'config.path': csv, 'config.columns': '{"loguniqueid": true, "loguserfield": true, "newcdrcolumns": false}' });
    expect(created.status).toBe(303);
    sourceId = /\/console\/sources\/([0-9a-f-]{36})/.exec(created.headers.get('location')!)![1]!;
  });

  it('runs a source now and shows the outcome; deactivates and activates it', async () => {
    const res = await client.post(`/console/sources/${sourceId}/run`, {});
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('Ran “Files”: 1 records read, 1 calls created');
    expect((await client.post(`/console/sources/${sourceId}/active`, { active: 'false' })).status).toBe(303);
    expect((await ctx.services.pullSources.get(sourceId)).active).toBe(false);
    await client.post(`/console/sources/${sourceId}/active`, { active: 'true' });
    expect((await ctx.services.pullSources.get(sourceId)).active).toBe(true);
  });

  it('edits a source: unchanged fields keep their stored values, bad ones are refused beside the field', async () => {
    const page = await (await client.get(`/console/sources/${sourceId}`)).text();
    const encoding = /name="config.encoding"[\s\S]*?<option value="auto" selected/.test(page);
    expect(encoding).toBe(true);
    const bad = await client.post(`/console/sources/${sourceId}`, { name: 'Files', schedule: '*/5 * * * *', active: 'true', 'config.path': '/no/such/Master.csv' });
    expect(bad.status).toBe(422);
    const ok = await client.post(`/console/sources/${sourceId}`, { name: 'Files renamed', schedule: '*/10 * * * *', active: 'true', 'config.path': csv, 'config.timezone': 'Europe/Moscow' });
    expect(ok.status).toBe(303);
    const source = await ctx.services.pullSources.get(sourceId);
    expect(source).toMatchObject({ name: 'Files renamed', schedule: '*/10 * * * *', config: { path: csv, timezone: 'Europe/Moscow' } });
  });
});

describe('overview', () => {
  it('shows ingest counts, outbox backlog, sources, and migrations applied', async () => {
    const html = await (await client.get('/console/overview')).text();
    const total = Number((await ctx.db.selectFrom('communications').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    expect(html).toContain(`<dd data-testid="ingest-hour">${total}</dd>`);
    expect(html).toMatch(/<th scope="row">search<\/th>/);
    expect(html).toContain('Files renamed');
    expect(html).toMatch(/data-testid="migrations">(\d+) of \1 applied/);
  });
});
