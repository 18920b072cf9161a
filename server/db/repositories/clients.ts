// Clients, addressed by the external id the PBX or chat platform gives them.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

export interface ClientValues {
  external_id: string;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
  phones: string[];
}

/** Upserts clients (one row per external_id, sorted so concurrent batches lock in the same order). */
export async function upsertClients(db: Executor, rows: ClientValues[]): Promise<Map<string, string>> {
  if (rows.length === 0) return new Map();
  const sorted = [...rows].sort((a, b) => (a.external_id < b.external_id ? -1 : a.external_id > b.external_id ? 1 : 0));
  const result = await db
    .insertInto('clients')
    .values(sorted)
    .onConflict((oc) =>
      oc.column('external_id').doUpdateSet({
        first_name: sql`coalesce(excluded.first_name, clients.first_name)`,
        last_name: sql`coalesce(excluded.last_name, clients.last_name)`,
        company_name: sql`coalesce(excluded.company_name, clients.company_name)`,
        phones: sql`array(select distinct p from unnest(clients.phones || excluded.phones) as p order by p)`,
        updated_at: sql`now()`,
      }),
    )
    .returning(['id', 'external_id'])
    .execute();
  return new Map(result.map((r) => [r.external_id, r.id]));
}
