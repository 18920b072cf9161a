import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SearchDocument } from '../../server/search/document.js';
import { MeilisearchIndex, type MeilisearchIndexOptions } from '../../server/search/meilisearch.js';
import { WORDS_PER_CHUNK } from '../../server/search/meilisearch-document.js';
import { SearchEngineError, type SearchQuery } from '../../server/search/port.js';
import { startMeilisearchStandIn, type MeilisearchStandIn } from '../support/meilisearch-stand-in.js';

const INDEX = 'communications_test';

function doc(n: number, overrides: Partial<SearchDocument> = {}): SearchDocument {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    kind: 'call',
    uid: `call-${n}`,
    integration_id: '11111111-1111-4111-8111-111111111111',
    operator_id: null,
    operator_external_id: null,
    department_id: null,
    direction: 'incoming',
    started_at: 1_700_000_000 + n,
    duration: null,
    nps: null,
    client_id: null,
    client_name: null,
    client_phone: [],
    tags: [],
    client_tags: [],
    transcript: `hello ${n}`,
    messages: '',
    ...overrides,
  };
}

let standIn: MeilisearchStandIn;
beforeEach(async () => {
  standIn = await startMeilisearchStandIn();
});
afterEach(async () => {
  await standIn.close();
});

const open = (options: Partial<MeilisearchIndexOptions> = {}) =>
  new MeilisearchIndex({ url: standIn.url, apiKey: 'test-key-0123456789', indexUid: INDEX, taskTimeoutMs: 2_000, ...options });

const documentPosts = () => standIn.requests.filter((r) => r.method === 'POST' && r.path === `/indexes/${INDEX}/documents`);

async function engineFailure(promise: Promise<unknown>): Promise<SearchEngineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SearchEngineError);
  return error as SearchEngineError;
}

describe('MeilisearchIndex against an unreachable or failing engine', () => {
  it('turns a refused connection into a retryable SearchEngineError, and health into unavailable', async () => {
    const index = open();
    await standIn.close();
    const error = await engineFailure(index.upsert([doc(1)]));
    expect(error.retryable).toBe(true);
    const health = await index.health();
    expect(health.status).toBe('unavailable');
    standIn = await startMeilisearchStandIn();
  });

  it('reports health ok through GET /health', async () => {
    expect(await open().health()).toEqual({ status: 'ok' });
    expect(standIn.requests).toEqual([{ method: 'GET', path: '/health', body: undefined }]);
  });

  it('turns a 5xx answer into a retryable SearchEngineError', async () => {
    standIn.failingRequests = 1;
    const error = await engineFailure(open().search({ sort: [], limit: 10 }));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('internal: Internal error');
  });

  it('times requests out', async () => {
    standIn.stallingRequests = 1;
    const error = await engineFailure(open({ timeoutMs: 200 }).search({ sort: [], limit: 10 }));
    expect(error.retryable).toBe(true);
  });

  it('retries a failed task and succeeds when the retry does', async () => {
    standIn.taskOutcomes = ['fail'];
    await open().upsert([doc(1)]);
    expect(documentPosts()).toHaveLength(2);
    expect([...standIn.documents.get(INDEX)!.keys()]).toEqual([doc(1).id]);
  });

  it('surfaces a task that keeps failing, with its error, after a bounded number of attempts', async () => {
    standIn.taskOutcomes = ['fail', 'fail', 'fail', 'fail'];
    const error = await engineFailure(open({ taskAttempts: 3 }).upsert([doc(1)]));
    expect(documentPosts()).toHaveLength(3);
    expect(error.message).toMatch(/task \d+ failed after 3 attempts: internal: Internal error: disk full/);
    expect(error.retryable).toBe(true);
  });

  it('gives up on a task that stays processing past taskTimeoutMs', async () => {
    standIn.taskOutcomes = ['stuck'];
    const started = Date.now();
    const error = await engineFailure(open({ taskTimeoutMs: 300 }).upsert([doc(1)]));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('surfaces a failed settings task', async () => {
    standIn.taskOutcomes = ['fail', 'fail'];
    const error = await engineFailure(open({ taskAttempts: 2 }).applySettings({ filterableCustomFields: [] }));
    expect(error.message).toContain('apply settings');
    expect(standIn.requests.filter((r) => r.method === 'PATCH')).toHaveLength(2);
  });
});

describe('MeilisearchIndex writes', () => {
  it('applies filterable, sortable and searchable attributes, hyphenated custom keys included', async () => {
    await open().applySettings({ filterableCustomFields: [{ key: 'sub-topic', kind: 'keyword' }] });
    const patch = standIn.requests.find((r) => r.method === 'PATCH');
    expect(patch?.path).toBe(`/indexes/${INDEX}/settings`);
    const settings = patch?.body as Record<string, unknown>;
    expect(settings.filterableAttributes).toEqual(expect.arrayContaining(['kind', 'uid', 'operator_external_id', 'client_phone', 'tags', 'nps', 'started_at', 'cf_sub-topic']));
    expect(settings.sortableAttributes).toEqual(['started_at', 'sort_duration', 'sort_nps', 'id']);
    expect(settings.searchableAttributes).toEqual(expect.arrayContaining(['transcript_1', 'transcript_32', 'messages_1', 'client_name', 'client_phone']));
    expect(settings.rankingRules).toEqual(['sort', 'words', 'typo', 'proximity', 'attribute', 'exactness']);
    expect(settings.pagination).toEqual({ maxTotalHits: 100_000 });
  });

  it('splits documents into batches of the configured size, each with primary key id', async () => {
    await open({ batchSize: 2 }).upsert([1, 2, 3, 4, 5].map((n) => doc(n)));
    expect(documentPosts().map((r) => (r.body as unknown[]).length)).toEqual([2, 2, 1]);
    expect(standIn.documents.get(INDEX)?.size).toBe(5);
  });

  it('deletes by id in batches', async () => {
    const index = open({ batchSize: 2 });
    await index.upsert([1, 2, 3].map((n) => doc(n)));
    await index.delete([doc(1).id, doc(2).id, doc(3).id]);
    expect(standIn.requests.filter((r) => r.path.endsWith('/delete-batch')).map((r) => r.body)).toEqual([[doc(1).id, doc(2).id], [doc(3).id]]);
    expect(standIn.documents.get(INDEX)?.size).toBe(0);
  });

  it('chunks a two-hour transcript so its last words land in a searchable attribute', async () => {
    const index = open();
    await index.applySettings({ filterableCustomFields: [] });
    const words = Array.from({ length: 150_000 }, (_, i) => `слово${i}.`);
    words[words.length - 1] = 'финиш.';
    await index.upsert([doc(1, { transcript: words.join(' '), duration: 7200 })]);

    const stored = standIn.documents.get(INDEX)!.get(doc(1).id)!;
    const chunks = Object.keys(stored).filter((k) => k.startsWith('transcript_'));
    expect(stored.transcript).toBeUndefined();
    expect(chunks).toHaveLength(Math.ceil(150_000 / WORDS_PER_CHUNK));
    for (const chunk of chunks) {
      const text = stored[chunk] as string;
      // Every word here ends a sentence: 8 positions each must still fit in 65,535.
      expect(text.split(/\s+/).filter(Boolean).length * 8).toBeLessThan(65_535);
    }
    const last = chunks.at(-1)!;
    expect(stored[last]).toMatch(/финиш\.$/);
    const searchable = (standIn.requests.find((r) => r.method === 'PATCH')?.body as { searchableAttributes: string[] }).searchableAttributes;
    expect(searchable).toContain(last);
    expect(stored.sort_duration).toBe(7200);
    expect(stored.sort_nps).toBe(-Number.MAX_SAFE_INTEGER);
  });
});

describe('MeilisearchIndex search', () => {
  // started_at: 100, 90, 90, 90, 80 — three ties that a page boundary cuts through.
  const ordered = [5, 4, 3, 2, 1].map((n) => ({ id: doc(n).id, started_at: n === 5 ? 100 : n === 1 ? 80 : 90 }));

  /** Serves `ordered` the way Meilisearch would for sort started_at:desc, id:desc and the keyset filter. */
  function serveOrdered(body: Record<string, unknown>) {
    const keyset = ((body.filter as string[] | undefined) ?? []).map((f) => f.match(/^started_at <= (\S+)$/)).find(Boolean);
    const from = keyset ? ordered.filter((d) => d.started_at <= Number(keyset[1])) : ordered;
    const offset = body.offset as number;
    return { hits: from.slice(offset, offset + (body.limit as number)), estimatedTotalHits: from.length };
  }

  it('sends the filter, the sort with id as tiebreak, and no highlighting without q', async () => {
    const query: SearchQuery = { filter: { field: { source: 'core', name: 'kind' }, kind: 'keyword', op: 'eq', value: 'call' }, sort: [{ field: 'nps', dir: 'asc' }], limit: 20 };
    await open().search(query);
    const body = standIn.requests.at(-1)!.body as Record<string, unknown>;
    expect(standIn.requests.at(-1)!.path).toBe(`/indexes/${INDEX}/search`);
    expect(body).toMatchObject({ filter: ['kind = "call"'], sort: ['sort_nps:asc', 'id:asc'], offset: 0, limit: 21, attributesToRetrieve: ['id', 'sort_nps'] });
    expect(body.q).toBeNull();
    expect(body.attributesToHighlight).toBeUndefined();
  });

  it('puts the caller’s scope into the filter, before a filter that could widen it, and sends nothing for an empty scope', async () => {
    const [op1, op2, integration] = [doc(1).id, doc(2).id, doc(3).id];
    const widening: SearchQuery['filter'] = { or: [{ field: { source: 'core', name: 'kind' }, kind: 'keyword', op: 'eq', value: 'call' }, { field: { source: 'core', name: 'nps' }, kind: 'number', op: 'gte', value: 9 }] };
    await open().search({ filter: widening, scope: { integrationIds: [integration], operatorIds: [op1, op2] }, sort: [{ field: 'started_at', dir: 'desc' }], limit: 5 });
    const body = standIn.requests.at(-1)!.body as Record<string, unknown>;
    expect(body.filter).toEqual([`integration_id IN ["${integration}"] AND operator_id IN ["${op1}", "${op2}"] AND (kind = "call" OR nps >= 9)`]);
    const before = standIn.requests.length;
    expect(await open().search({ scope: { operatorIds: [] }, sort: [{ field: 'started_at', dir: 'desc' }], limit: 5 })).toEqual({ hits: [], nextCursor: null, estimatedTotal: 0 });
    expect(standIn.requests.length).toBe(before);
    await open().applySettings({ filterableCustomFields: [] });
    const settings = standIn.requests.find((r) => r.path === `/indexes/${INDEX}/settings`)!.body as { filterableAttributes: string[] };
    expect(settings.filterableAttributes).toEqual(expect.arrayContaining(['operator_id', 'integration_id', 'department_id']));
  });

  it('asks for a cropped, marked excerpt with q and returns the matching one as escaped HTML with <em>', async () => {
    standIn.search = () => ({
      hits: [{ id: doc(1).id, started_at: 1, _formatted: { id: doc(1).id, transcript_1: '…the start of the call…', transcript_2: '…customer <b>asked</b> for a \u0002refund\u0003 because…', client_name: 'Anna' } }],
      estimatedTotalHits: 1,
    });
    const result = await open().search({ q: ' refund ', sort: [{ field: 'started_at', dir: 'desc' }], limit: 10 });
    const body = standIn.requests.at(-1)!.body as Record<string, unknown>;
    expect(body).toMatchObject({ q: 'refund', highlightPreTag: '\u0002', highlightPostTag: '\u0003', cropLength: 24, matchingStrategy: 'all' });
    expect(body.attributesToCrop).toEqual(body.attributesToHighlight);
    expect(body.attributesToHighlight).toEqual(expect.arrayContaining(['transcript_1', 'messages_1', 'client_name', 'client_phone']));
    expect(result).toEqual({ hits: [{ id: doc(1).id, highlight: '…customer &lt;b&gt;asked&lt;/b&gt; for a <em>refund</em> because…' }], nextCursor: null, estimatedTotal: 1 });
  });

  it('pages with a cursor through ties, each hit once, keeping the estimated total', async () => {
    standIn.search = serveOrdered;
    const index = open();
    const sort = [{ field: 'started_at', dir: 'desc' }] as const;
    const seen: string[] = [];
    const totals: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await index.search({ sort: [...sort], limit: 2, cursor });
      seen.push(...page.hits.map((h) => h.id));
      totals.push(page.estimatedTotal);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(ordered.map((d) => d.id));
    expect(totals).toEqual([5, 5, 5]);
    const bodies = standIn.requests.map((r) => r.body as Record<string, unknown>);
    expect(bodies.map((b) => [b.filter, b.offset])).toEqual([
      [undefined, 0],
      [['started_at <= 90'], 1],
      [['started_at <= 90'], 3],
    ]);
  });

  it('refuses a cursor from another sort, another query, or made up', async () => {
    standIn.search = serveOrdered;
    const index = open();
    const { nextCursor } = await index.search({ sort: [{ field: 'started_at', dir: 'desc' }], limit: 2 });
    const attempts: SearchQuery[] = [
      { sort: [{ field: 'started_at', dir: 'asc' }], limit: 2, cursor: nextCursor! },
      { q: 'refund', sort: [{ field: 'started_at', dir: 'desc' }], limit: 2, cursor: nextCursor! },
      { filter: { field: { source: 'core', name: 'kind' }, kind: 'keyword', op: 'eq', value: 'chat' }, sort: [{ field: 'started_at', dir: 'desc' }], limit: 2, cursor: nextCursor! },
      { sort: [{ field: 'started_at', dir: 'desc' }], limit: 2, cursor: 'not-a-cursor' },
    ];
    for (const query of attempts) {
      await expect(index.search(query)).rejects.toMatchObject({ code: 'invalid_cursor' });
    }
  });
});
