// Departments operators belong to.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

const COLUMNS = ['id', 'name', 'parent_id', 'created_at'] as const;

export interface DepartmentRecord {
  id: string;
  name: string;
  parent_id: string | null;
  created_at: Date;
}

export async function insertDepartment(db: Executor, values: { name: string; parent_id: string | null }): Promise<DepartmentRecord | undefined> {
  return db
    .insertInto('departments')
    .values(values)
    .onConflict((oc) => oc.expression(sql`lower(name)`).doNothing())
    .returning(COLUMNS)
    .executeTakeFirst();
}

export async function listDepartments(db: Executor): Promise<DepartmentRecord[]> {
  return db.selectFrom('departments').select(COLUMNS).orderBy('name').execute();
}

export async function findDepartment(db: Executor, id: string): Promise<DepartmentRecord | undefined> {
  return db.selectFrom('departments').select(COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** Ids of departments by lower-cased name, creating those missing (used by the CSV import). */
export async function ensureDepartmentsByName(db: Executor, names: string[]): Promise<Map<string, string>> {
  const unique = [...new Map(names.map((n) => [n.toLowerCase(), n])).values()];
  if (unique.length === 0) return new Map();
  await db
    .insertInto('departments')
    .values(unique.map((name) => ({ name, parent_id: null })))
    .onConflict((oc) => oc.expression(sql`lower(name)`).doNothing())
    .execute();
  const rows = await db
    .selectFrom('departments')
    .select(['id', 'name'])
    .where(sql<string>`lower(name)`, 'in', unique.map((n) => n.toLowerCase()))
    .execute();
  return new Map(rows.map((r) => [r.name.toLowerCase(), r.id]));
}
