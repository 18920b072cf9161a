// Sign-in of users: email + password under the lockout of failed attempts per client address, answered the
// same for an unknown email, a wrong password and an inactive user; invites that set the first password;
// the principal a user's session or personal token stands for, and the AccessScope of its role.
import { ALL_INTEGRATIONS, operatorScope, type AccessScope } from '../domain/access-scope.js';
import { Unauthorized, Unprocessable } from '../domain/errors.js';
import { hashPassword, passwordMatches } from '../domain/passwords.js';
import type { UserPrincipal } from '../domain/principal.js';
import type { Executor } from '../db/repositories/executor.js';
import { findUser, findUserForLogin, updateUser, type UserRecord } from '../db/repositories/users.js';
import { deleteUserTokens } from '../db/repositories/user-tokens.js';
import { operatorIdsInDepartmentTrees } from '../db/repositories/operators.js';
import type { RequestAudit } from './audit-log.js';
import type { AuthFailures } from './auth-failures.js';
import type { UserTokens } from './user-tokens.js';
import { userView, type UserView } from './users.js';

export const principalOf = (row: UserRecord): UserPrincipal => ({
  type: 'user',
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  departmentIds: row.department_ids,
  operatorId: row.operator_id,
  locale: row.locale,
});

export class UserAuth {
  constructor(
    private readonly db: Executor,
    private readonly tokens: UserTokens,
    private readonly failures: AuthFailures,
  ) {}

  /** The active user with this email and password (the API and the console sign in through it). */
  async verify(email: string, password: string, client: string, audit: RequestAudit): Promise<UserRecord> {
    const key = `login ${client}`;
    const failures = await this.failures.assertNotLocked(key);
    const row = await findUserForLogin(this.db, email);
    const matches = await passwordMatches(password, row?.active ? row.password_hash : null);
    if (!row || !matches) {
      await this.failures.failed(key);
      await audit.record('login.failed', row ? { type: 'user', id: row.id } : undefined, { email }, { type: 'user', id: row?.id ?? null, email });
      throw new Unauthorized('invalid_credentials', 'wrong email or password');
    }
    await this.failures.succeeded(key, failures);
    await audit.record('login.succeeded', { type: 'user', id: row.id }, {}, { type: 'user', id: row.id, email: row.email });
    return row;
  }

  /** Checks email and password; returns the user and a new session token. */
  async login(email: string, password: string, client: string, audit: RequestAudit): Promise<{ user: UserView; token: string }> {
    const row = await this.verify(email, password, client, audit);
    return { user: userView(row), token: await this.tokens.session(row.id) };
  }

  /** Sets the password of an invited user (the invite is used up) and signs them in. */
  async acceptInvite(invite: string, password: string): Promise<{ user: UserView; token: string }> {
    const row = await this.setPasswordByInvite(invite, password);
    return { user: userView(row), token: await this.tokens.session(row.id) };
  }

  /** Whether an invite is live (the console shows its form only then). */
  async inviteIsLive(invite: string): Promise<boolean> {
    return (await this.tokens.inviteOwner(this.db, invite)) !== undefined;
  }

  /** Sets the password of an invite's user and uses the invite up; 422 invite_invalid when it is not live. */
  async setPasswordByInvite(invite: string, password: string): Promise<UserRecord> {
    const hash = await hashPassword(password);
    const userId = await this.db.transaction().execute(async (trx) => {
      const owner = await this.tokens.inviteOwner(trx, invite);
      if (owner === undefined) throw new Unprocessable('invite_invalid', 'the invite is unknown, used or expired', [{ path: 'token', code: 'invite_invalid', message: 'unknown, used or expired' }]);
      await updateUser(trx, owner, { password_hash: hash });
      await deleteUserTokens(trx, owner, ['invite']);
      return owner;
    });
    return (await findUser(this.db, userId))!;
  }

  /** The user a session or personal token stands for, or undefined when it is no live user token. */
  async principal(token: string): Promise<UserPrincipal | undefined> {
    const found = await this.tokens.resolve(token);
    return found ? this.activeUser(found.userId) : undefined;
  }

  /** The principal of an active user (a console session's), or undefined. */
  async activeUser(id: string): Promise<UserPrincipal | undefined> {
    const row = await findUser(this.db, id);
    return row?.active ? principalOf(row) : undefined;
  }

  /**
   * What the user may read (API.md "Scope"): an admin everything; a supervisor the communications of the
   * operators of its departments and their sub-departments (resolved now, once per request); an operator user
   * those posted under its own operator record.
   */
  async scope(user: UserPrincipal): Promise<AccessScope> {
    switch (user.role) {
      case 'admin':
        return ALL_INTEGRATIONS;
      case 'supervisor':
        return operatorScope(ALL_INTEGRATIONS, await operatorIdsInDepartmentTrees(this.db, user.departmentIds));
      case 'operator':
        return operatorScope(ALL_INTEGRATIONS, user.operatorId === null ? [] : [user.operatorId]);
    }
  }
}
