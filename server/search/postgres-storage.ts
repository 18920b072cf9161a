// Writing the Postgres search index: documents into a table of the search_documents shape, and the
// indexes that table needs (the fixed ones, and one expression index per filterable numeric custom field).
import { createHash } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../db/repositories/executor.js';
import { customFieldAttribute, type SearchDocument } from './document.js';
import type { IndexSettings } from './port.js';
import { numberExpression } from './postgres-filter.js';

export const LIVE_TABLE = 'search_documents';

/** Sample size for the planner's estimates of doc containment filters (migration 0006 explains why). */
export const DOC_STATISTICS_TARGET = 1000;

/** The indexes of search_documents as migration 0004 creates them, by name. */
export const FIXED_INDEXES: Array<[string, RawBuilder<unknown>]> = [
  ['search_documents_doc_idx', sql`USING gin (doc jsonb_path_ops)`],
  ['search_documents_tsv_idx', sql`USING gin (tsv)`],
  ['search_documents_started_idx', sql`(started_at, id)`],
  ['search_documents_operator_idx', sql`(operator_id, started_at, id)`],
  ['search_documents_duration_idx', sql`(coalesce(duration, '-Infinity'::float8), id)`],
  ['search_documents_nps_idx', sql`(coalesce(nps, '-Infinity'::float8), id)`],
];

/** The text q searches: client name, phones (also as bare digits), transcript and messages. */
export function documentContent(doc: SearchDocument): string {
  const phones = doc.client_phone.flatMap((p) => [p, p.replace(/\D/g, '')]);
  return [doc.client_name ?? '', [...new Set(phones)].join(' '), doc.transcript, doc.messages].filter((part) => part !== '').join('\n');
}

export async function writeDocuments(db: Executor, table: string, documents: SearchDocument[]): Promise<void> {
  if (documents.length === 0) return;
  const rows = documents.map((doc) => {
    const { transcript: _transcript, messages: _messages, ...filterable } = doc;
    return { id: doc.id, doc: filterable, started_at: doc.started_at, operator_id: doc.operator_id, duration: doc.duration, nps: doc.nps, content: documentContent(doc) };
  });
  await sql`
    INSERT INTO ${sql.table(table)} AS s (id, doc, started_at, operator_id, duration, nps, content, tsv)
    SELECT r.id, r.doc, r.started_at, r.operator_id, r.duration, r.nps, r.content, earshot_tsvector(r.content)
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS r(id uuid, doc jsonb, started_at float8, operator_id uuid, duration float8, nps float8, content text)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, started_at = excluded.started_at, operator_id = excluded.operator_id, duration = excluded.duration,
      nps = excluded.nps, content = excluded.content, tsv = excluded.tsv, indexed_at = now()`.execute(db);
}

/** Names of the expression indexes the settings call for (prefixed `search_cf_`), with their attribute. */
export function customIndexes(settings: IndexSettings): Map<string, string> {
  const wanted = new Map<string, string>();
  for (const field of settings.filterableCustomFields) {
    if (field.kind !== 'number' && field.kind !== 'datetime') continue;
    const attribute = customFieldAttribute(field.key);
    wanted.set(`search_cf_${createHash('sha256').update(attribute).digest('hex').slice(0, 20)}`, attribute);
  }
  return wanted;
}

export const createCustomIndex = (db: Executor, table: string, name: string, attribute: string) =>
  sql`CREATE INDEX IF NOT EXISTS ${sql.id(name)} ON ${sql.table(table)} (${numberExpression(attribute, 'doc')})`.execute(db);

export async function indexNames(db: Executor, table: string): Promise<string[]> {
  const { rows } = await sql<{ indexname: string }>`SELECT indexname FROM pg_indexes WHERE tablename = ${table}`.execute(db);
  return rows.map((r) => r.indexname);
}
