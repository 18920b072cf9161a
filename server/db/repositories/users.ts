// Users who sign in, with the departments they were given.
import { sql } from 'kysely';
import type { Role, Locale } from '../../domain/principal.js';
import type { Executor } from './executor.js';

const COLUMNS = ['id', 'email', 'name', 'role', 'operator_id', 'locale', 'active', 'created_at', 'updated_at'] as const;

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  operator_id: string | null;
  locale: Locale | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
  department_ids: string[];
}

export interface UserValues {
  email: string;
  name: string;
  role: Role;
  operator_id: string | null;
  locale: Locale | null;
  active: boolean;
}

const departmentIds = sql<string[]>`coalesce((SELECT array_agg(ud.department_id ORDER BY ud.department_id) FROM user_departments ud WHERE ud.user_id = users.id), '{}')`.as('department_ids');

export async function insertUser(db: Executor, values: UserValues & { password_hash: string | null }): Promise<string | undefined> {
  const row = await db
    .insertInto('users')
    .values(values)
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

export async function updateUser(db: Executor, id: string, values: Partial<UserValues> & { password_hash?: string }): Promise<boolean> {
  const result = await db.updateTable('users').set({ ...values, updated_at: sql<Date>`now()` }).where('id', '=', id).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function setUserDepartments(db: Executor, userId: string, ids: string[]): Promise<void> {
  await db.deleteFrom('user_departments').where('user_id', '=', userId).execute();
  if (ids.length > 0) await db.insertInto('user_departments').values(ids.map((department_id) => ({ user_id: userId, department_id }))).execute();
}

export async function findUser(db: Executor, id: string): Promise<UserRecord | undefined> {
  return db.selectFrom('users').select([...COLUMNS, departmentIds]).where('id', '=', id).executeTakeFirst();
}

/** The user with this email (any case) and its password hash, for sign-in. */
export async function findUserForLogin(db: Executor, email: string): Promise<(UserRecord & { password_hash: string | null }) | undefined> {
  return db
    .selectFrom('users')
    .select([...COLUMNS, 'password_hash', departmentIds])
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

export async function listUsers(db: Executor, page: { limit: number; after?: string }): Promise<UserRecord[]> {
  let query = db.selectFrom('users').select([...COLUMNS, departmentIds]).orderBy(sql`lower(email)`).limit(page.limit);
  if (page.after !== undefined) query = query.where(sql<string>`lower(email)`, '>', page.after.toLowerCase());
  return query.execute();
}

export async function findUsersByEmails(db: Executor, emails: string[]): Promise<Array<{ id: string; email: string }>> {
  if (emails.length === 0) return [];
  return db.selectFrom('users').select(['id', 'email']).where(sql<string>`lower(email)`, 'in', emails.map((e) => e.toLowerCase())).execute();
}
