// Use cases of the admin's Users page and API: create (with a password or a one-time invite), change
// (deactivation ends every session and token at once), list, and CSV import like operators.
import { Conflict, NotFound, Unprocessable } from '../domain/errors.js';
import { hashPassword } from '../domain/passwords.js';
import type { Locale, Role } from '../domain/principal.js';
import type { Executor } from '../db/repositories/executor.js';
import { findOperator } from '../db/repositories/operators.js';
import { findUser, insertUser, listUsers, setUserDepartments, updateUser, type UserRecord } from '../db/repositories/users.js';
import { deleteUserSessions } from '../db/repositories/console-sessions.js';
import { deleteUserTokens } from '../db/repositories/user-tokens.js';
import type { Departments } from './departments.js';
import type { UserTokens } from './user-tokens.js';

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  department_ids: string[];
  operator_id: string | null;
  locale: Locale | null;
  active: boolean;
  created_at: string;
  updated_at: string;
}

export const userView = (row: UserRecord): UserView => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  department_ids: row.department_ids,
  operator_id: row.operator_id,
  locale: row.locale,
  active: row.active,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

export interface UserInput {
  email: string;
  name: string;
  role: Role;
  department_ids?: string[] | undefined;
  operator_id?: string | null | undefined;
  locale?: Locale | null | undefined;
  password?: string | undefined;
  active?: boolean | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class Users {
  constructor(
    private readonly db: Executor,
    private readonly departments: Departments,
    private readonly tokens: UserTokens,
  ) {}

  /** Creates a user; without a password the answer carries the one-time invite_url (valid 7 days). */
  async create(input: UserInput): Promise<UserView & { invite_url?: string }> {
    await this.checkLinks(input.role, input.operator_id ?? null, input.department_ids ?? []);
    const passwordHash = input.password !== undefined ? await hashPassword(input.password) : null;
    const created = await this.db.transaction().execute(async (trx) => {
      const id = await insertUser(trx, {
        email: input.email,
        name: input.name,
        role: input.role,
        operator_id: input.operator_id ?? null,
        locale: input.locale ?? null,
        active: input.active ?? true,
        password_hash: passwordHash,
      }).catch(operatorTaken);
      if (id === undefined) throw new Conflict('user_exists', `a user with email "${input.email}" exists`);
      await setUserDepartments(trx, id, input.department_ids ?? []);
      const invite = passwordHash === null ? await this.tokens.invite(trx, id) : undefined;
      return { id, invite };
    });
    const view = userView((await findUser(this.db, created.id))!);
    return created.invite ? { ...view, invite_url: created.invite } : view;
  }

  async patch(id: string, input: Partial<UserInput>): Promise<UserView> {
    const current = await this.find(id);
    const role = input.role ?? current.role;
    const operatorId = input.operator_id !== undefined ? input.operator_id : current.operator_id;
    await this.checkLinks(role, operatorId, input.department_ids ?? []);
    const { department_ids: departmentIds, password, ...fields } = input;
    const changes = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    const passwordHash = password !== undefined ? await hashPassword(password) : undefined;
    await this.db.transaction().execute(async (trx) => {
      try {
        await updateUser(trx, id, { ...changes, ...(passwordHash !== undefined ? { password_hash: passwordHash } : {}) });
      } catch (error) {
        if (uniqueViolation(error, 'users_email_key')) throw new Conflict('user_exists', `a user with email "${input.email}" exists`);
        operatorTaken(error);
      }
      if (departmentIds !== undefined) await setUserDepartments(trx, id, departmentIds);
      // Deactivation and a new password end every session (API and console) and, on deactivation, every token at once.
      if (input.active === false || passwordHash !== undefined) {
        await deleteUserTokens(trx, id, input.active === false ? undefined : ['session', 'invite']);
        await deleteUserSessions(trx, id);
      }
    });
    return userView(await this.find(id));
  }

  async get(id: string): Promise<UserView> {
    return userView(await this.find(id));
  }

  async list(page: { limit: number; after?: string | undefined }): Promise<{ items: UserView[]; next_cursor: string | null }> {
    const rows = await listUsers(this.db, { limit: page.limit + 1, ...(page.after !== undefined ? { after: page.after } : {}) });
    const items = rows.slice(0, page.limit).map(userView);
    return { items, next_cursor: rows.length > page.limit ? items.at(-1)!.email.toLowerCase() : null };
  }

  private async find(id: string): Promise<UserRecord> {
    const row = UUID.test(id) ? await findUser(this.db, id) : undefined;
    if (!row) throw new NotFound('user', 'user_not_found');
    return row;
  }

  /** An operator user needs its operator record; departments must exist. */
  private async checkLinks(role: Role, operatorId: string | null, departmentIds: string[]): Promise<void> {
    if (role === 'operator' && operatorId === null) {
      throw new Unprocessable('validation_failed', 'an operator user needs operator_id', [{ path: 'operator_id', code: 'required', message: 'required for role operator' }]);
    }
    if (operatorId !== null && !(UUID.test(operatorId) && (await findOperator(this.db, operatorId)))) {
      throw new Unprocessable('operator_not_found', 'no such operator', [{ path: 'operator_id', code: 'operator_not_found', message: 'no such operator' }]);
    }
    for (const [i, id] of departmentIds.entries()) await this.departments.mustExist(id, `department_ids[${i}]`);
  }
}

function uniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  return typeof e === 'object' && e !== null && e.code === '23505' && e.constraint === constraint;
}

/** Rethrows a second user for one operator as 409 operator_taken (and any other error as it is). */
function operatorTaken(error: unknown): never {
  if (uniqueViolation(error, 'users_operator_key')) throw new Conflict('operator_taken', 'another user is that operator');
  throw error;
}
