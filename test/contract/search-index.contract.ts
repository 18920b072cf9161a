// The SearchIndex contract: the same documents, queries and expected ids for every adapter. Expected ids
// come from a plain predicate over the documents, so each case states the semantics it checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomFieldDefinition, CustomFieldType } from '../../server/domain/custom-field-types.js';
import { clientAttributeKey, type ClientAttributeDefinition } from '../../server/domain/client-attributes.js';
import { kindOfCustomType, parseFilter as parseWithDefinitions } from '../../server/domain/filters.js';
import type { SortKey } from '../../server/domain/sorting.js';
import type { SearchDocument } from '../../server/search/document.js';
import type { SearchIndex, SearchQuery } from '../../server/search/port.js';

export interface ContractSubject {
  index: SearchIndex;
  close(): Promise<void>;
}

const FIELDS: Array<[string, CustomFieldType, boolean]> = [
  ['topic', 'string', true],
  ['level', 'number', true],
  ['due', 'datetime', true],
  ['vip', 'boolean', true],
  ['labels', 'string_array', true],
  ['scores', 'number_array', true],
  ['mood', 'enum', true],
  ['site', 'string_url', true],
  ['wait', 'duration', true],
  ['sub-topic', 'string', true],
  ['secret', 'string', false],
];
export const CONTRACT_DEFINITIONS = new Map<string, CustomFieldDefinition>(
  FIELDS.map(([key, type, usedForFiltering]) => [key, { key, type, options: null, archived: false, usedForFiltering }]),
);

/** Client attributes (by lower-cased name, as filters look them up) and the parser the cases use. */
export const CONTRACT_ATTRIBUTES = new Map<string, ClientAttributeDefinition>([
  ['профессия', { id: '00000000-0000-4000-8000-00000000a001', name: 'Профессия', type: 'string' }],
  ['visits', { id: '00000000-0000-4000-8000-00000000a002', name: 'visits', type: 'number' }],
  ['loyal', { id: '00000000-0000-4000-8000-00000000a003', name: 'loyal', type: 'boolean' }],
]);
const attr = (name: string) => clientAttributeKey(CONTRACT_ATTRIBUTES.get(name)!.id);
const parseFilter = (filter: unknown, definitions: ReadonlyMap<string, CustomFieldDefinition>) => parseWithDefinitions(filter, definitions, 'filter', CONTRACT_ATTRIBUTES);
const PROFESSIONS = ['Инженер "по связи"', 'doctor', 'учитель'];

const TOPICS = ['Поддержка', 'Billing "VIP"', 'sales team', 'back\\slash'];
const TEXTS = [
  'Клиент просит возобновления доступа к личному кабинету',
  'Оператор оформил возврат денег за подписку',
  'The customer asked about invoices and billing dates',
  'Жалоба на качество связи, звонок прерывался',
  'Уточнение тарифа и подключение роуминга',
];
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const OPERATORS = [uuid(9001), uuid(9002)];
const INTEGRATION = uuid(9100);
const DEPARTMENT = uuid(9200);
const BASE = Date.UTC(2024, 0, 1) / 1000;

export function contractDocuments(): SearchDocument[] {
  return Array.from({ length: 36 }, (_, i) => {
    const doc: SearchDocument = {
      id: uuid(i + 1),
      kind: i % 9 === 8 ? 'chat' : 'call',
      uid: `u-${i}`,
      integration_id: INTEGRATION,
      operator_id: i % 7 === 6 ? null : OPERATORS[i % 2]!,
      operator_external_id: i % 7 === 6 ? null : `op-${i % 2}`,
      department_id: i % 2 ? DEPARTMENT : null,
      direction: i % 3 === 0 ? 'outcoming' : 'incoming',
      started_at: BASE + i * 3600 + 0.125,
      duration: i % 5 === 0 ? null : (i * 13) % 40,
      nps: i % 4 === 0 ? null : i % 11,
      client_id: `client-${i % 6}`,
      client_name: i % 6 === 0 ? null : `Иван Петров ${i % 6}`,
      client_phone: i % 8 === 7 ? [] : [`8 912 300-00-0${i % 8}`, `+791230000${String(i % 8).padStart(2, '0')}`],
      tags: [...(i % 2 ? ['vip'] : []), ...(i % 3 ? ['repeat'] : [])],
      client_tags: [...(i % 6 < 2 ? ['VIP клиент'] : []), ...(i % 6 === 3 ? ['frequent'] : [])],
      transcript: i % 9 === 8 ? '' : TEXTS[i % TEXTS.length]!,
      messages: i % 9 === 8 ? 'Здравствуйте! Где мой заказ номер 4417?' : '',
      cf_topic: TOPICS[i % TOPICS.length]!,
      cf_level: i % 7,
      cf_due: BASE + 86400 * (30 + (i % 9)),
      cf_vip: i % 2 === 0,
      cf_labels: i % 4 ? ['a', `l${i % 3}`] : [],
      cf_scores: [i % 5, 10 + (i % 2)],
      cf_site: `https://example.com/${i}`,
      cf_wait: i * 1.5,
      'cf_sub-topic': i % 2 ? 'Возобновление доступа' : 'Другое',
      cf_secret: 'x',
    };
    if (i % 3 !== 0) doc.cf_mood = i % 2 ? 'calm' : 'angry';
    if (i % 6 !== 5) doc[attr('профессия') as `ca_${string}`] = PROFESSIONS[i % 6 % 3]!;
    doc[attr('visits') as `ca_${string}`] = i % 6;
    if (i % 6 < 3) doc[attr('loyal') as `ca_${string}`] = i % 2 === 0;
    return doc;
  });
}

type Doc = SearchDocument & Record<string, unknown>;
const num = (d: Doc, key: string) => d[key] as number | null | undefined;
const arr = (d: Doc, key: string) => (d[key] as unknown[] | undefined) ?? [];
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** [name, filter as the API takes it, which documents match]. */
export const FILTER_CASES: Array<[string, unknown, (d: Doc) => boolean]> = [
  ['kind eq', { field: 'kind', op: 'eq', value: 'chat' }, (d) => d.kind === 'chat'],
  ['uid in', { field: 'uid', op: 'in', value: ['u-1', 'u-2', 'nope'] }, (d) => ['u-1', 'u-2'].includes(d.uid)],
  ['uid nin', { field: 'uid', op: 'nin', value: ['u-1', 'u-2'] }, (d) => !['u-1', 'u-2'].includes(d.uid)],
  ['operator_id eq', { field: 'operator_id', op: 'eq', value: OPERATORS[0] }, (d) => d.operator_id === OPERATORS[0]],
  ['operator_id ne (missing counts as not equal)', { field: 'operator_id', op: 'ne', value: OPERATORS[0] }, (d) => d.operator_id !== OPERATORS[0]],
  ['operator_id not_exists', { field: 'operator_id', op: 'not_exists' }, (d) => d.operator_id === null],
  ['operator_external_id in', { field: 'operator_external_id', op: 'in', value: ['op-1'] }, (d) => d.operator_external_id === 'op-1'],
  ['department_id exists', { field: 'department_id', op: 'exists' }, (d) => d.department_id !== null],
  ['integration_id eq', { field: 'integration_id', op: 'eq', value: INTEGRATION }, () => true],
  ['direction alias', { field: 'direction', op: 'eq', value: 'outbound' }, (d) => d.direction === 'outcoming'],
  ['started_at gte/lt', { and: [{ field: 'started_at', op: 'gte', value: iso(BASE + 3 * 3600) }, { field: 'started_at', op: 'lt', value: iso(BASE + 9 * 3600) }] }, (d) => d.started_at >= BASE + 3 * 3600 && d.started_at < BASE + 9 * 3600],
  ['started_at between', { field: 'started_at', op: 'between', value: [iso(BASE + 10 * 3600), iso(BASE + 12 * 3600 + 0.125)] }, (d) => d.started_at >= BASE + 10 * 3600 && d.started_at <= BASE + 12 * 3600 + 0.125],
  ['started_at eq (milliseconds)', { field: 'started_at', op: 'eq', value: iso(BASE + 5 * 3600 + 0.125) }, (d) => d.started_at === BASE + 5 * 3600 + 0.125],
  ['duration gt', { field: 'duration', op: 'gt', value: 20 }, (d) => (d.duration ?? -Infinity) > 20],
  ['duration not_exists', { field: 'duration', op: 'not_exists' }, (d) => d.duration === null],
  ['duration nin (missing included)', { field: 'duration', op: 'nin', value: [13, 26] }, (d) => d.duration !== 13 && d.duration !== 26],
  ['nps lte', { field: 'nps', op: 'lte', value: 3 }, (d) => d.nps !== null && d.nps <= 3],
  ['nps ne (missing included)', { field: 'nps', op: 'ne', value: 5 }, (d) => d.nps !== 5],
  ['client_id eq', { field: 'client_id', op: 'eq', value: 'client-2' }, (d) => d.client_id === 'client-2'],
  ['client_phone by E.164', { field: 'client_phone', op: 'eq', value: '+79123000003' }, (d) => d.client_phone.includes('+79123000003')],
  ['client_phone by the raw spelling', { field: 'client_phone', op: 'in', value: ['8 912 300-00-04'] }, (d) => d.client_phone.includes('8 912 300-00-04')],
  ['client_phone not_exists', { field: 'client_phone', op: 'not_exists' }, (d) => d.client_phone.length === 0],
  ['tags contains', { field: 'tags', op: 'contains', value: 'vip' }, (d) => d.tags.includes('vip')],
  ['tags in (any)', { field: 'tags', op: 'in', value: ['vip', 'repeat'] }, (d) => d.tags.length > 0],
  ['tags nin', { field: 'tags', op: 'nin', value: ['repeat'] }, (d) => !d.tags.includes('repeat')],
  ['tags exists (non-empty)', { field: 'tags', op: 'exists' }, (d) => d.tags.length > 0],
  ['tags not_exists (empty)', { field: 'tags', op: 'not_exists' }, (d) => d.tags.length === 0],
  ['client_tags contains (Cyrillic, space)', { field: 'client_tags', op: 'contains', value: 'VIP клиент' }, (d) => d.client_tags.includes('VIP клиент')],
  ['client_tags in', { field: 'client_tags', op: 'in', value: ['frequent', 'nope'] }, (d) => d.client_tags.includes('frequent')],
  ['client_tags not_exists', { field: 'client_tags', op: 'not_exists' }, (d) => d.client_tags.length === 0],
  ['client attribute string eq (quotes, name in any case)', { field: 'client.attr.ПРОФЕССИЯ', op: 'eq', value: 'Инженер "по связи"' }, (d) => d[attr('профессия')] === 'Инженер "по связи"'],
  ['client attribute string not_exists', { field: 'client.attr.Профессия', op: 'not_exists' }, (d) => d[attr('профессия')] === undefined],
  ['client attribute number gte', { field: 'client.attr.visits', op: 'gte', value: 4 }, (d) => (d[attr('visits')] as number) >= 4],
  ['client attribute boolean eq', { field: 'client.attr.loyal', op: 'eq', value: true }, (d) => d[attr('loyal')] === true],
  ['cf string eq with quotes', { field: 'cf.topic', op: 'eq', value: 'Billing "VIP"' }, (d) => d.cf_topic === 'Billing "VIP"'],
  ['cf string eq with a backslash', { field: 'cf.topic', op: 'eq', value: 'back\\slash' }, (d) => d.cf_topic === 'back\\slash'],
  ['cf string with spaces in', { field: 'cf.topic', op: 'in', value: ['sales team', 'Поддержка'] }, (d) => ['sales team', 'Поддержка'].includes(d.cf_topic as string)],
  ['cf string ne Cyrillic', { field: 'cf.topic', op: 'ne', value: 'Поддержка' }, (d) => d.cf_topic !== 'Поддержка'],
  ['cf hyphenated key', { field: 'cf.sub-topic', op: 'eq', value: 'Возобновление доступа' }, (d) => d['cf_sub-topic'] === 'Возобновление доступа'],
  ['cf number between', { field: 'cf.level', op: 'between', value: [2, 4] }, (d) => num(d, 'cf_level')! >= 2 && num(d, 'cf_level')! <= 4],
  ['cf number gt/lt', { and: [{ field: 'cf.level', op: 'gt', value: 1 }, { field: 'cf.level', op: 'lt', value: 5 }] }, (d) => num(d, 'cf_level')! > 1 && num(d, 'cf_level')! < 5],
  ['cf duration gte', { field: 'cf.wait', op: 'gte', value: 30 }, (d) => num(d, 'cf_wait')! >= 30],
  ['cf datetime lt', { field: 'cf.due', op: 'lt', value: iso(BASE + 86400 * 33) }, (d) => num(d, 'cf_due')! < BASE + 86400 * 33],
  ['cf datetime eq', { field: 'cf.due', op: 'eq', value: iso(BASE + 86400 * 31) }, (d) => num(d, 'cf_due') === BASE + 86400 * 31],
  ['cf boolean eq', { field: 'cf.vip', op: 'eq', value: true }, (d) => d.cf_vip === true],
  ['cf boolean ne', { field: 'cf.vip', op: 'ne', value: true }, (d) => d.cf_vip !== true],
  ['cf string_array contains', { field: 'cf.labels', op: 'contains', value: 'l1' }, (d) => arr(d, 'cf_labels').includes('l1')],
  ['cf string_array not_exists (empty)', { field: 'cf.labels', op: 'not_exists' }, (d) => arr(d, 'cf_labels').length === 0],
  ['cf number_array in', { field: 'cf.scores', op: 'in', value: [3, 4] }, (d) => arr(d, 'cf_scores').some((v) => v === 3 || v === 4)],
  ['cf number_array nin', { field: 'cf.scores', op: 'nin', value: [11] }, (d) => !arr(d, 'cf_scores').includes(11)],
  ['cf enum exists', { field: 'cf.mood', op: 'exists' }, (d) => d.cf_mood !== undefined],
  ['cf enum not_exists', { field: 'cf.mood', op: 'not_exists' }, (d) => d.cf_mood === undefined],
  ['cf enum nin (missing included)', { field: 'cf.mood', op: 'nin', value: ['calm'] }, (d) => d.cf_mood !== 'calm'],
  ['cf string_url eq', { field: 'cf.site', op: 'eq', value: 'https://example.com/7' }, (d) => d.cf_site === 'https://example.com/7'],
  [
    'nested and/or',
    { or: [{ and: [{ field: 'direction', op: 'eq', value: 'incoming' }, { field: 'cf.vip', op: 'eq', value: true }] }, { field: 'nps', op: 'gte', value: 9 }] },
    (d) => (d.direction === 'incoming' && d.cf_vip === true) || (d.nps ?? -1) >= 9,
  ],
];

/** q cases both engines must answer alike: whole words, any case, Cyrillic and Latin, names, phones. */
export const TEXT_CASES: Array<[string, string, (d: Doc) => boolean]> = [
  ['a Russian word in the transcript', 'возврат', (d) => d.transcript.includes('возврат')],
  ['upper case finds lower case', 'РОУМИНГА', (d) => d.transcript.includes('роуминга')],
  ['an English word', 'invoices', (d) => d.transcript.includes('invoices')],
  ['chat messages', 'заказ', (d) => d.messages.includes('заказ')],
  ['client names', 'Петров', (d) => d.client_name?.includes('Петров') ?? false],
  ['a phone by its digits', '79123000003', (d) => d.client_phone.includes('+79123000003')],
];

export function describeSearchIndexContract(name: string, open: () => Promise<ContractSubject>): void {
  describe(`SearchIndex contract: ${name}`, () => {
    let subject: ContractSubject;
    const docs = contractDocuments() as Doc[];
    const filterable = [...CONTRACT_DEFINITIONS.values()].filter((d) => d.usedForFiltering).map((d) => ({ key: d.key, kind: kindOfCustomType(d.type) }));

    beforeAll(async () => {
      subject = await open();
      await subject.index.applySettings({ filterableCustomFields: filterable, filterableClientAttributes: [...CONTRACT_ATTRIBUTES.values()].map((a) => clientAttributeKey(a.id)) });
      // Two upserts of a changed document leave the last version.
      await subject.index.upsert(docs.map((d) => ({ ...d, uid: 'stale' })).slice(0, 5));
      await subject.index.upsert(docs);
    }, 120_000);
    afterAll(() => subject?.close());

    async function all(query: Omit<SearchQuery, 'limit' | 'sort'> & { sort?: SortKey[]; limit?: number }) {
      const hits: Array<{ id: string; highlight?: string | undefined }> = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await subject.index.search({ sort: [{ field: 'started_at', dir: 'desc' }], limit: 100, ...query, cursor });
        hits.push(...page.hits);
        cursor = page.nextCursor ?? undefined;
        if (++pages > 100) throw new Error('cursor does not end');
      } while (cursor);
      return hits;
    }
    const expected = (predicate: (d: Doc) => boolean) => docs.filter(predicate).map((d) => d.id).sort();

    it.each(FILTER_CASES)('filter: %s', async (_name, filter, predicate) => {
      const hits = await all({ filter: parseFilter(filter, CONTRACT_DEFINITIONS) });
      expect(hits.map((h) => h.id).sort()).toEqual(expected(predicate));
    });

    it('an unfiltered search finds every document once, newest first', async () => {
      const hits = await all({});
      expect(hits.map((h) => h.id)).toEqual([...docs].sort((a, b) => b.started_at - a.started_at).map((d) => d.id));
    });

    it.each([
      ['started_at asc', [{ field: 'started_at', dir: 'asc' }]],
      ['duration desc', [{ field: 'duration', dir: 'desc' }]],
      ['nps asc, started_at desc', [{ field: 'nps', dir: 'asc' }, { field: 'started_at', dir: 'desc' }]],
    ] as Array<[string, SortKey[]]>)('sorts by %s and pages with a cursor without gaps or repeats', async (_name, sort) => {
      const filter = parseFilter({ and: [{ field: 'duration', op: 'exists' }, { field: 'nps', op: 'exists' }] }, CONTRACT_DEFINITIONS);
      const hits = await all({ filter, sort, limit: 4 });
      const matching = docs.filter((d) => d.duration !== null && d.nps !== null);
      expect(hits.map((h) => h.id).sort()).toEqual(matching.map((d) => d.id).sort());
      const byId = new Map(matching.map((d) => [d.id, d]));
      const keys = hits.map((h) => sort.map((k) => (byId.get(h.id)![k.field] as number) * (k.dir === 'asc' ? 1 : -1)));
      for (let i = 1; i < keys.length; i++) {
        const [a, b] = [keys[i - 1]!, keys[i]!];
        const order = a.findIndex((v, j) => v !== b[j]);
        if (order >= 0) expect(a[order]!, `item ${i} out of order`).toBeLessThan(b[order]!);
      }
    });

    it('reports an estimated total for the whole match, not the page', async () => {
      const page = await subject.index.search({ filter: parseFilter({ field: 'direction', op: 'eq', value: 'incoming' }, CONTRACT_DEFINITIONS), sort: [{ field: 'started_at', dir: 'desc' }], limit: 3 });
      expect(page.hits).toHaveLength(3);
      expect(page.estimatedTotal).toBe(docs.filter((d) => d.direction === 'incoming').length);
      expect(page.nextCursor).not.toBeNull();
    });

    it('keeps to the caller’s scope in hits and estimated total, whatever the filter says', async () => {
      const scope = { operatorIds: [OPERATORS[0]!] };
      const widening = parseFilter({ or: [{ field: 'operator_id', op: 'eq', value: OPERATORS[1] }, { field: 'direction', op: 'eq', value: 'incoming' }] }, CONTRACT_DEFINITIONS);
      const hits = await all({ scope, filter: widening });
      expect(hits.map((h) => h.id).sort()).toEqual(expected((d) => d.operator_id === OPERATORS[0] && d.direction === 'incoming'));
      expect((await all({ scope, q: 'возврат' })).map((h) => h.id).sort()).toEqual(expected((d) => d.operator_id === OPERATORS[0] && d.transcript.includes('возврат')));
      const page = await subject.index.search({ scope, sort: [{ field: 'started_at', dir: 'desc' }], limit: 2 });
      expect(page.hits).toHaveLength(2);
      expect(page.estimatedTotal).toBe(docs.filter((d) => d.operator_id === OPERATORS[0]).length);
      const both = await subject.index.search({ scope: { integrationIds: [INTEGRATION], operatorIds: OPERATORS }, sort: [{ field: 'started_at', dir: 'desc' }], limit: 100 });
      expect(both.estimatedTotal).toBe(docs.filter((d) => d.operator_id !== null).length);
      for (const none of [{ operatorIds: [] }, { integrationIds: [] }, { integrationIds: [uuid(9999)] }]) {
        const empty = await subject.index.search({ scope: none, sort: [{ field: 'started_at', dir: 'desc' }], limit: 10 });
        expect(empty).toEqual({ hits: [], nextCursor: null, estimatedTotal: 0 });
      }
    });

    it.each(TEXT_CASES)('q: %s', async (_name, q, predicate) => {
      const hits = await all({ q });
      expect(hits.map((h) => h.id).sort()).toEqual(expected(predicate));
      expect(hits.every((h) => /<em>/i.test(h.highlight ?? ''))).toBe(true);
    });

    it('q with filters: both must hold', async () => {
      const filter = parseFilter({ field: 'direction', op: 'eq', value: 'incoming' }, CONTRACT_DEFINITIONS);
      const hits = await all({ q: 'возврат', filter });
      expect(hits.map((h) => h.id).sort()).toEqual(expected((d) => d.direction === 'incoming' && d.transcript.includes('возврат')));
    });

    it('q that matches nothing finds nothing', async () => {
      expect(await all({ q: 'синхрофазотрон' })).toEqual([]);
    });

    it('delete removes documents from results', async () => {
      await subject.index.delete([docs[0]!.id]);
      const hits = await all({ filter: parseFilter({ field: 'uid', op: 'eq', value: 'u-0' }, CONTRACT_DEFINITIONS) });
      expect(hits).toEqual([]);
      await subject.index.upsert([docs[0]!]);
    });

    it('answers health', async () => {
      expect((await subject.index.health()).status).toBe('ok');
    });
  });
}
