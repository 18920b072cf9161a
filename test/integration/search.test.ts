// Search on Postgres: every field and op of the filter AST against ids computed from the seeded calls,
// sorting, and cursor paging that visits every match once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.js';
import { createIntegration, createOperator, defineField, postCall, type Integration } from '../support/fixtures.js';

interface Seeded {
  id: string;
  uid: string;
  operator: string;
  direction: 'incoming' | 'outcoming';
  startedAt: string;
  duration: number | null;
  nps: number | null;
  tags: string[];
  client: string;
  phone: string;
  cf: { topic: string; level: number; due: string; vip: boolean; labels: string[]; scores: number[]; mood?: string; site: string; wait: number };
}

let ctx: TestContext;
let integration: Integration;
let departmentId: string;
let operators: Record<string, string>;
const calls: Seeded[] = [];

const TOPICS = ['Поддержка', 'Billing "VIP"', 'sales team'];

beforeAll(async () => {
  ctx = await createTestContext();
  integration = await createIntegration(ctx);
  const department = (await (await ctx.admin('POST', '/api/v1/admin/departments', { name: 'Support' })).json()) as { id: string };
  departmentId = department.id;
  operators = {
    '101': (await createOperator(ctx, { external_id: '101', department_id: departmentId })).id,
    '102': (await createOperator(ctx, { external_id: '102' })).id,
  };
  const fields: Array<[string, string, Record<string, unknown>?]> = [
    ['topic', 'string'],
    ['level', 'number'],
    ['due', 'datetime'],
    ['vip', 'boolean'],
    ['labels', 'string_array'],
    ['scores', 'number_array'],
    ['mood', 'enum', { options: ['calm', 'angry'] }],
    ['site', 'string_url'],
    ['wait', 'duration'],
  ];
  for (const [key, type, extra] of fields) await defineField(ctx, { key, name: key, type, used_for_filtering: true, ...extra });
  await defineField(ctx, { key: 'secret', name: 'secret', type: 'string' });

  for (let i = 0; i < 40; i++) {
    const seeded: Omit<Seeded, 'id'> = {
      uid: `s-${i}`,
      operator: i % 3 === 0 ? '102' : '101',
      direction: i % 2 ? 'incoming' : 'outcoming',
      startedAt: new Date(Date.UTC(2024, 0, 1 + (i % 10), i % 24)).toISOString(),
      duration: i % 5 === 0 ? null : (i * 7) % 50,
      nps: i % 4 === 0 ? null : i % 11,
      tags: [...(i % 2 ? ['vip'] : []), ...(i % 3 ? ['repeat'] : [])],
      client: `client-${i % 6}`,
      phone: `+7912${String(3000000 + (i % 8)).padStart(7, '0')}`,
      cf: {
        topic: TOPICS[i % 3]!,
        level: i % 7,
        due: new Date(Date.UTC(2024, 1, 1 + (i % 9))).toISOString(),
        vip: i % 2 === 0,
        labels: i % 4 ? ['a', `l${i % 3}`] : [],
        scores: [i % 5, 10 + (i % 2)],
        ...(i % 3 === 0 ? {} : { mood: i % 2 ? 'calm' : 'angry' }),
        site: `https://example.com/${i}`,
        wait: i * 1.5,
      },
    };
    const res = await postCall(ctx, integration, {
      uid: seeded.uid,
      operator_id: seeded.operator,
      direction: i % 4 === 1 ? 'inbound' : seeded.direction,
      started_at: seeded.startedAt,
      media_url: 'https://pbx.example/r.wav',
      ...(seeded.duration === null ? {} : { duration: seeded.duration }),
      ...(seeded.nps === null ? {} : { nps: seeded.nps }),
      tags: seeded.tags,
      client: { id: seeded.client },
      client_phone_number: i % 2 ? seeded.phone : seeded.phone.replace('+7', '8 '),
      custom_fields: { ...seeded.cf, secret: 'x' },
    });
    expect(res.status).toBe(201);
    calls.push({ ...seeded, id: ((await res.json()) as { id: string }).id });
  }
  const synced = await ctx.services.searchSync.drain();
  expect(synced).toMatchObject({ indexed: calls.length, failed: 0 });
});
afterAll(() => ctx.close());

async function search(body: Record<string, unknown>) {
  const res = await ctx.admin('POST', '/api/v1/communications/search', body);
  const json = (await res.json()) as { items: Array<{ id: string; started_at: string; duration: number | null }>; next_cursor: string | null; estimated_total: number; engine: string; error?: { code: string; details: Array<{ path: string; code: string }> } };
  return { status: res.status, ...json };
}

async function idsOf(filter: unknown): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await search({ filter, limit: 500, ...(cursor ? { cursor } : {}) });
    expect(page.status, JSON.stringify(page.error)).toBe(200);
    ids.push(...page.items.map((i) => i.id));
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return ids.sort();
}

const where = (predicate: (c: Seeded) => boolean) => calls.filter(predicate).map((c) => c.id).sort();

describe('filters match the seeded calls exactly', () => {
  const cases: Array<[string, unknown, (c: Seeded) => boolean]> = [
    ['kind eq call', { field: 'kind', op: 'eq', value: 'call' }, () => true],
    ['uid in', { field: 'uid', op: 'in', value: ['s-1', 's-2', 'nope'] }, (c) => ['s-1', 's-2'].includes(c.uid)],
    ['operator_external_id', { field: 'operator_external_id', op: 'eq', value: '102' }, (c) => c.operator === '102'],
    ['direction alias outbound', { field: 'direction', op: 'eq', value: 'outbound' }, (c) => c.direction === 'outcoming'],
    ['started_at gte/lt', { and: [{ field: 'started_at', op: 'gte', value: '2024-01-03T00:00:00Z' }, { field: 'started_at', op: 'lt', value: '2024-01-05T00:00:00+00:00' }] }, (c) => c.startedAt >= '2024-01-03' && c.startedAt < '2024-01-05'],
    ['started_at between', { field: 'started_at', op: 'between', value: ['2024-01-02T00:00:00Z', '2024-01-02T23:59:59Z'] }, (c) => c.startedAt.startsWith('2024-01-02')],
    ['duration gt', { field: 'duration', op: 'gt', value: 20 }, (c) => c.duration !== null && c.duration > 20],
    ['duration not_exists', { field: 'duration', op: 'not_exists' }, (c) => c.duration === null],
    ['nps lte', { field: 'nps', op: 'lte', value: 3 }, (c) => c.nps !== null && c.nps <= 3],
    ['nps ne (missing counts as not equal)', { field: 'nps', op: 'ne', value: 5 }, (c) => c.nps !== 5],
    ['client_id', { field: 'client_id', op: 'in', value: ['client-1', 'client-4'] }, (c) => ['client-1', 'client-4'].includes(c.client)],
    ['client_phone by E.164, whatever the raw spelling', { field: 'client_phone', op: 'eq', value: '+7 912 300-00-03' }, (c) => c.phone === '+79123000003'],
    ['client_phone by the raw spelling', { field: 'client_phone', op: 'in', value: ['8 9123000002'] }, (c) => c.phone === '+79123000002'],
    ['tags contains', { field: 'tags', op: 'contains', value: 'vip' }, (c) => c.tags.includes('vip')],
    ['tags in (any)', { field: 'tags', op: 'in', value: ['vip', 'repeat'] }, (c) => c.tags.length > 0],
    ['tags nin', { field: 'tags', op: 'nin', value: ['repeat'] }, (c) => !c.tags.includes('repeat')],
    ['tags not_exists', { field: 'tags', op: 'not_exists' }, (c) => c.tags.length === 0],
    ['cf string eq with quotes', { field: 'cf.topic', op: 'eq', value: 'Billing "VIP"' }, (c) => c.cf.topic === 'Billing "VIP"'],
    ['cf string ne Cyrillic', { field: 'cf.topic', op: 'ne', value: 'Поддержка' }, (c) => c.cf.topic !== 'Поддержка'],
    ['cf string nin', { field: 'cf.topic', op: 'nin', value: ['Поддержка', 'sales team'] }, (c) => c.cf.topic === 'Billing "VIP"'],
    ['cf number between', { field: 'cf.level', op: 'between', value: [2, 4] }, (c) => c.cf.level >= 2 && c.cf.level <= 4],
    ['cf duration gte', { field: 'cf.wait', op: 'gte', value: 30 }, (c) => c.cf.wait >= 30],
    ['cf datetime lt', { field: 'cf.due', op: 'lt', value: '2024-02-04T00:00:00Z' }, (c) => c.cf.due < '2024-02-04'],
    ['cf boolean eq', { field: 'cf.vip', op: 'eq', value: true }, (c) => c.cf.vip],
    ['cf string_array contains', { field: 'cf.labels', op: 'contains', value: 'l1' }, (c) => c.cf.labels.includes('l1')],
    ['cf number_array in', { field: 'cf.scores', op: 'in', value: [3, 4] }, (c) => c.cf.scores.some((s) => s === 3 || s === 4)],
    ['cf number_array nin', { field: 'cf.scores', op: 'nin', value: [11] }, (c) => !c.cf.scores.includes(11)],
    ['cf enum exists', { field: 'cf.mood', op: 'exists' }, (c) => c.cf.mood !== undefined],
    ['cf enum not_exists', { field: 'cf.mood', op: 'not_exists' }, (c) => c.cf.mood === undefined],
    ['cf string_url eq', { field: 'cf.site', op: 'eq', value: 'https://example.com/7' }, (c) => c.cf.site === 'https://example.com/7'],
    ['nested and/or', { or: [{ and: [{ field: 'cf.vip', op: 'eq', value: true }, { field: 'operator_external_id', op: 'eq', value: '102' }] }, { field: 'nps', op: 'eq', value: 10 }] }, (c) => (c.cf.vip && c.operator === '102') || c.nps === 10],
  ];

  it.each(cases)('%s', async (_, filter, predicate) => {
    const expected = where(predicate);
    expect(await idsOf(filter)).toEqual(expected);
  });

  it('operator_id, department_id and integration_id by uuid', async () => {
    expect(await idsOf({ field: 'operator_id', op: 'eq', value: operators['101'] })).toEqual(where((c) => c.operator === '101'));
    expect(await idsOf({ field: 'department_id', op: 'eq', value: departmentId })).toEqual(where((c) => c.operator === '101'));
    expect(await idsOf({ field: 'integration_id', op: 'eq', value: integration.id })).toHaveLength(40);
  });
});

describe('sorting and paging', () => {
  it('walks every match once, in order, with limit 7', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await search({ filter: { field: 'kind', op: 'eq', value: 'call' }, sort: [{ field: 'started_at', dir: 'asc' }], limit: 7, ...(cursor ? { cursor } : {}) });
      expect(page.estimated_total).toBe(40);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(6);
    const expected = [...calls].sort((a, b) => (a.startedAt === b.startedAt ? (a.id < b.id ? -1 : 1) : a.startedAt < b.startedAt ? -1 : 1)).map((c) => c.id);
    expect(seen).toEqual(expected);
  });

  it('takes null as absent in every optional field, as clients send back next_cursor: null', async () => {
    const page = await search({ q: null, filter: null, sort: null, limit: null, cursor: null });
    expect(page.status, JSON.stringify(page.error)).toBe(200);
    expect(page.items.length).toBe(Math.min(calls.length, 50));
    const first = await search({ filter: { field: 'kind', op: 'eq', value: 'call' }, limit: 500, cursor: null });
    expect(first.status).toBe(200);
    expect(first.items).toHaveLength(40);
    expect(first.next_cursor).toBeNull();
  });

  it('sorts by duration desc with missing durations last, across pages', async () => {
    const seen: Array<{ id: string; duration: number | null }> = [];
    let cursor: string | null = null;
    do {
      const page = await search({ sort: [{ field: 'duration', dir: 'desc' }], limit: 9, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(40);
    expect(new Set(seen.map((s) => s.id)).size).toBe(40);
    const durations = seen.map((s) => s.duration ?? -Infinity);
    expect(durations).toEqual([...durations].sort((a, b) => b - a));
  });

  it('pages by two keys (nps asc, started_at desc) without gaps', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await search({ sort: [{ field: 'nps', dir: 'asc' }, { field: 'started_at', dir: 'desc' }], limit: 4, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((i) => i.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(calls.map((c) => c.id).sort());
  });

  it('answers engine postgres and the record shape of the API', async () => {
    const page = await search({ limit: 1 });
    expect(page.engine).toBe('postgres');
    expect(page.items[0]).toMatchObject({ kind: 'call', custom_fields: expect.any(Object), operator: expect.objectContaining({ external_id: expect.any(String) }) });
    expect(page.items[0]).not.toHaveProperty('transcript');
  });
});

describe('filter errors', () => {
  it.each([
    [{ filter: { field: 'cf.secret', op: 'eq', value: 'x' } }, 'field_not_filterable', 'filter.field'],
    [{ filter: { and: [{ field: 'kind', op: 'eq', value: 'call' }, { field: 'color', op: 'eq', value: 'red' }] } }, 'unknown_field', 'filter.and[1].field'],
    [{ filter: { field: 'cf.nope', op: 'eq', value: 'x' } }, 'unknown_field', 'filter.field'],
    [{ filter: { field: 'tags', op: 'gt', value: 'x' } }, 'invalid_operator', 'filter.op'],
    [{ filter: { field: 'cf.vip', op: 'between', value: [true, false] } }, 'invalid_operator', 'filter.op'],
    [{ filter: { field: 'duration', op: 'gt', value: 'long' } }, 'invalid_value', 'filter.value'],
    [{ filter: { field: 'started_at', op: 'gt', value: 'yesterday' } }, 'invalid_value', 'filter.value'],
    [{ filter: { field: 'operator_id', op: 'eq', value: "1' or '1'='1" } }, 'invalid_value', 'filter.value'],
    [{ filter: { field: 'nps', op: 'between', value: [5, 1] } }, 'invalid_value', 'filter.value'],
    [{ filter: { field: 'nps', op: 'in', value: [] } }, 'invalid_value', 'filter.value'],
    [{ filter: { and: [] } }, 'invalid_filter', 'filter'],
    [{ cursor: 'garbage' }, 'invalid_cursor', 'cursor'],
  ])('%j → 422 %s at %s', async (body, code, path) => {
    const res = await search(body);
    expect(res.status).toBe(422);
    expect(res.error).toMatchObject({ code, details: [expect.objectContaining({ path, code })] });
  });

  it.each([
    [{ limit: 0 }, 'too_small', 'limit'],
    [{ limit: 501 }, 'too_big', 'limit'],
    [{ q: 'x'.repeat(1001) }, 'too_big', 'q'],
    [{ q: 42 }, 'invalid_type', 'q'],
  ])('%j → 422 validation_failed, %s at %s', async (body, code, path) => {
    const res = await search(body);
    expect(res.status).toBe(422);
    expect(res.error).toMatchObject({ code: 'validation_failed', details: [expect.objectContaining({ path, code })] });
  });

  it.each(['!!!', "'", ':*', '"unclosed', 'a & | b', '-', 'OR', '\\', 'и не', '(((', '<em>'])('q %j never fails: 200', async (q) => {
    const res = await search({ q });
    expect(res.status).toBe(200);
  });

  it('refuses a cursor from another sort', async () => {
    const page = await search({ sort: [{ field: 'duration', dir: 'asc' }], limit: 2 });
    const res = await search({ sort: [{ field: 'started_at', dir: 'asc' }], cursor: page.next_cursor });
    expect(res.status).toBe(422);
    expect(res.error?.code).toBe('invalid_cursor');
  });
});
