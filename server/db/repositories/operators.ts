// Operators, matched on ingest by external_id (an email, an AD id, a PBX extension).
import { sql } from 'kysely';
import type { Executor } from './executor.js';

const COLUMNS = ['id', 'external_id', 'email', 'first_name', 'last_name', 'department_id', 'active', 'created_at', 'updated_at'] as const;

export interface OperatorRecord {
  id: string;
  external_id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  department_id: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface OperatorValues {
  external_id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  department_id: string | null;
  active: boolean;
}

export async function insertOperator(db: Executor, values: OperatorValues): Promise<OperatorRecord | undefined> {
  return db
    .insertInto('operators')
    .values(values)
    .onConflict((oc) => oc.column('external_id').doNothing())
    .returning(COLUMNS)
    .executeTakeFirst();
}

export async function updateOperator(db: Executor, id: string, values: Partial<OperatorValues>): Promise<OperatorRecord | undefined> {
  return db
    .updateTable('operators')
    .set({ ...values, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returning(COLUMNS)
    .executeTakeFirst();
}

export async function findOperator(db: Executor, id: string): Promise<OperatorRecord | undefined> {
  return db.selectFrom('operators').select(COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function listOperators(db: Executor, page: { limit: number; after?: string }): Promise<OperatorRecord[]> {
  let query = db.selectFrom('operators').select(COLUMNS).orderBy('external_id').limit(page.limit);
  if (page.after !== undefined) query = query.where('external_id', '>', page.after);
  return query.execute();
}

export async function findOperatorsByExternalIds(db: Executor, externalIds: string[]): Promise<OperatorRecord[]> {
  if (externalIds.length === 0) return [];
  return db.selectFrom('operators').select(COLUMNS).where('external_id', 'in', externalIds).execute();
}

/** Upserts by external_id; reports which rows were created. */
export async function upsertOperators(db: Executor, rows: OperatorValues[]): Promise<Array<{ external_id: string; created: boolean }>> {
  if (rows.length === 0) return [];
  return db
    .insertInto('operators')
    .values(rows)
    .onConflict((oc) =>
      oc.column('external_id').doUpdateSet({
        email: sql`coalesce(excluded.email, operators.email)`,
        first_name: sql`coalesce(excluded.first_name, operators.first_name)`,
        last_name: sql`coalesce(excluded.last_name, operators.last_name)`,
        department_id: sql`coalesce(excluded.department_id, operators.department_id)`,
        active: sql`excluded.active`,
        updated_at: sql`now()`,
      }),
    )
    .returning(['external_id', sql<boolean>`(xmax = 0)`.as('created')])
    .execute();
}

/** Ids of the operators of these departments and of all their sub-departments (the parent_id tree, any depth). */
export async function operatorIdsInDepartmentTrees(db: Executor, departmentIds: readonly string[]): Promise<string[]> {
  if (departmentIds.length === 0) return [];
  // UNION (not UNION ALL) stops at departments already reached, so a cycle in parent_id cannot loop.
  const { rows } = await sql<{ id: string }>`
    WITH RECURSIVE tree(id) AS (
      SELECT id FROM departments WHERE id = ANY(${[...departmentIds]}::uuid[])
      UNION
      SELECT d.id FROM departments d JOIN tree t ON d.parent_id = t.id
    )
    SELECT o.id FROM operators o JOIN tree t ON o.department_id = t.id ORDER BY o.id`.execute(db);
  return rows.map((r) => r.id);
}
