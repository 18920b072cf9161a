// The contract suite on the Postgres search index, plus what only Postgres promises: Russian morphology,
// and the end of a very long transcript being found.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/schema.js';
import { PostgresSearchIndex } from '../../server/search/postgres.js';
import { createTestDatabase } from '../support/context.js';
import { dropDatabase } from '../support/test-database.js';
import { contractDocuments, describeSearchIndexContract } from './search-index.contract.js';

async function openPostgresIndex() {
  const { name, url } = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    index: new PostgresSearchIndex(db),
    close: async () => {
      await db.destroy();
      await dropDatabase(name);
    },
  };
}

describeSearchIndexContract('postgres', openPostgresIndex);

describe('Postgres search index only', () => {
  let subject: Awaited<ReturnType<typeof openPostgresIndex>>;
  const base = contractDocuments()[0]!;
  const doc = (id: number, transcript: string) => ({ ...base, id: `10000000-0000-4000-8000-${String(id).padStart(12, '0')}`, transcript });

  beforeAll(async () => {
    subject = await openPostgresIndex();
    const words = Array.from({ length: 20_000 }, (_, i) => `слово${i % 500}`);
    await subject.index.upsert([
      doc(1, 'Клиент просит возобновления доступа'),
      doc(2, 'Доступ возобновлён, клиент доволен'),
      doc(3, `${words.join(' ')} финальноеслово`),
    ]);
  });
  afterAll(() => subject?.close());

  const ids = async (q: string) => (await subject.index.search({ q, sort: [{ field: 'started_at', dir: 'desc' }], limit: 50 })).hits.map((h) => h.id.slice(-1)).sort();

  it('finds other forms of a Russian word (stemming)', async () => {
    expect(await ids('возобновление')).toEqual(['1']);
    expect(await ids('доступы')).toEqual(['1', '2']);
  });

  it('finds the last word of a 20,000-word transcript (a two-hour call)', async () => {
    expect(await ids('финальноеслово')).toEqual(['3']);
  });

  it('highlights the stem match in an excerpt', async () => {
    const [hit] = (await subject.index.search({ q: 'возобновление', sort: [{ field: 'started_at', dir: 'desc' }], limit: 1 })).hits;
    expect(hit?.highlight).toMatch(/<em>возобновления<\/em>/i);
  });

  it('uses the expression index made by applySettings for a numeric custom field', async () => {
    await subject.index.applySettings({ filterableCustomFields: [{ key: 'level', kind: 'number' }] });
    const indexes = async () =>
      (await sql<{ indexdef: string }>`select indexdef from pg_indexes where tablename = 'search_documents' and indexname like 'search_cf_%'`.execute(subject.db)).rows.map((r) => r.indexdef);
    expect((await indexes()).join()).toContain("earshot_number((doc -> 'cf_level'::text))");
    await sql`SET enable_seqscan = off`.execute(subject.db);
    const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT id FROM search_documents d WHERE earshot_number(d.doc -> 'cf_level') > 3`.execute(subject.db);
    expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Index|Bitmap/);
    await subject.index.applySettings({ filterableCustomFields: [] });
    expect(await indexes()).toEqual([]);
  });
});

describe('highlights are safe HTML', () => {
  it('escapes markup in the text around the <em> marks', async () => {
    const subject = await openPostgresIndex();
    try {
      await subject.index.upsert([{ ...contractDocuments()[0]!, transcript: 'a <script>alert(1)</script> & "возврат" денег' }]);
      const [hit] = (await subject.index.search({ q: 'возврат', sort: [{ field: 'started_at', dir: 'desc' }], limit: 1 })).hits;
      expect(hit?.highlight).toContain('<em>возврат</em>');
      expect(hit?.highlight).not.toMatch(/<(?!\/?em>)/);
    } finally {
      await subject.close();
    }
  });
});
