// A full rebuild of the Postgres search index beside the live one: documents go into a bare table (primary
// key only), its indexes are then built in bulk — far cheaper than maintaining GIN indexes row by row — and
// it replaces the live table in one short transaction. Searches keep using the live table meanwhile.
import { sql } from 'kysely';
import type { Executor } from '../db/repositories/executor.js';
import type { IndexRebuild, IndexSettings } from './port.js';
import { createCustomIndex, customIndexes, DOC_STATISTICS_TARGET, FIXED_INDEXES, indexNames, LIVE_TABLE, writeDocuments } from './postgres-storage.js';

const REBUILD_TABLE = 'search_documents_rebuild';
const SUFFIX = '_rebuild';

export async function startRebuild(db: Executor, resume: boolean): Promise<IndexRebuild> {
  const { rows } = await sql<{ present: boolean }>`SELECT to_regclass(${REBUILD_TABLE}) IS NOT NULL AS present`.execute(db);
  // Resuming into nothing would swap a partial index in at the end.
  if (resume && !rows[0]!.present) throw new Error('no interrupted rebuild of the search index to resume; run without --after');
  if (!resume) await sql`DROP TABLE IF EXISTS ${sql.table(REBUILD_TABLE)}`.execute(db);
  await sql`CREATE TABLE IF NOT EXISTS ${sql.table(REBUILD_TABLE)} (LIKE search_documents INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`.execute(db);
  await sql`ALTER TABLE ${sql.table(REBUILD_TABLE)} ALTER COLUMN doc SET STATISTICS ${sql.lit(DOC_STATISTICS_TARGET)}`.execute(db);
  if (!(await indexNames(db, REBUILD_TABLE)).includes(`search_documents_pkey${SUFFIX}`)) {
    await sql`ALTER TABLE ${sql.table(REBUILD_TABLE)} ADD CONSTRAINT ${sql.id(`search_documents_pkey${SUFFIX}`)} PRIMARY KEY (id)`.execute(db);
  }
  return {
    upsert: (documents) => writeDocuments(db, REBUILD_TABLE, documents),
    commit: (settings) => commit(db, settings),
    abort: async () => {
      await sql`DROP TABLE IF EXISTS ${sql.table(REBUILD_TABLE)}`.execute(db);
    },
  };
}

/** Index builds run side by side on their own connections (GIN builds are single-threaded), each with room to sort. */
async function buildIndexes(db: Executor, settings: IndexSettings): Promise<void> {
  const [docGin, tsvGin, ...btrees] = FIXED_INDEXES;
  const custom = [...customIndexes(settings)];
  const groups = [[docGin!], [tsvGin!], btrees];
  await Promise.all(
    groups.map((group, i) =>
      db.transaction().execute(async (trx) => {
        await sql`SET LOCAL maintenance_work_mem = '512MB'`.execute(trx);
        for (const [name, definition] of group) await sql`CREATE INDEX ${sql.id(name + SUFFIX)} ON ${sql.table(REBUILD_TABLE)} ${definition}`.execute(trx);
        if (i === groups.length - 1) for (const [name, attribute] of custom) await createCustomIndex(trx, REBUILD_TABLE, name + SUFFIX, attribute);
      }),
    ),
  );
}

async function commit(db: Executor, settings: IndexSettings): Promise<void> {
  await buildIndexes(db, settings);
  await sql`ANALYZE ${sql.table(REBUILD_TABLE)}`.execute(db);
  await db.transaction().execute(async (trx) => {
    await sql`DROP TABLE ${sql.table(LIVE_TABLE)}`.execute(trx);
    await sql`ALTER TABLE ${sql.table(REBUILD_TABLE)} RENAME TO ${sql.table(LIVE_TABLE)}`.execute(trx);
    for (const name of await indexNames(trx, LIVE_TABLE)) {
      if (name.endsWith(SUFFIX)) await sql`ALTER INDEX ${sql.id(name)} RENAME TO ${sql.id(name.slice(0, -SUFFIX.length))}`.execute(trx);
    }
  });
}
