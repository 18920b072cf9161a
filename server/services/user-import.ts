// Use case: import users from CSV (email,name,role,departments,operator_external_id,locale,active) the way
// operators are imported: each bad line reported, departments (";"-separated names) created when missing,
// an operator user linked by the operator's external_id; a new user gets an invite, whose URL the report lists.
import { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import { LOCALES, ROLES } from '../domain/principal.js';
import { ensureDepartmentsByName } from '../db/repositories/departments.js';
import type { Executor } from '../db/repositories/executor.js';
import { findOperatorsByExternalIds } from '../db/repositories/operators.js';
import { findUsersByEmails } from '../db/repositories/users.js';
import { ACTIVE_VALUES, blankToNull, isActive, parseCsvLines, type LineError } from './csv-lines.js';
import type { Users } from './users.js';

export const USER_CSV_COLUMNS = ['email', 'name', 'role', 'departments', 'operator_external_id', 'locale', 'active'] as const;

export interface UserImportReport {
  created: number;
  updated: number;
  errors: LineError[];
  /** One-time invite links of the users created, to hand over. */
  invites: Array<{ email: string; invite_url: string }>;
}

const lineSchema = z.object({
  email: z.string().trim().pipe(z.email('email is not an email address').max(320)),
  name: z.string().trim().min(1, 'name is empty').max(255),
  role: z.preprocess((v) => String(blankToNull(v) ?? 'operator').toLowerCase(), z.enum(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })),
  departments: z.preprocess(
    (v) => String(blankToNull(v) ?? '').split(';').map((d) => d.trim()).filter(Boolean),
    z.array(z.string().max(255)).max(100),
  ),
  operator_external_id: z.preprocess(blankToNull, z.string().max(255).nullable()),
  locale: z.preprocess((v) => (blankToNull(v) === null ? null : String(v).trim().toLowerCase()), z.enum(LOCALES, { message: 'locale must be ru or en' }).nullable()),
  active: z.preprocess((v) => String(blankToNull(v) ?? 'true').toLowerCase(), z.enum(ACTIVE_VALUES, { message: 'active must be true or false' })),
});

export class UserImport {
  constructor(
    private readonly db: Executor,
    private readonly users: Users,
  ) {}

  async importCsv(text: string): Promise<UserImportReport> {
    const { lines, errors } = parseCsvLines(text, USER_CSV_COLUMNS, 'email', lineSchema, (v) => v.email.toLowerCase());
    const report: UserImportReport = { created: 0, updated: 0, errors, invites: [] };
    const departments = await ensureDepartmentsByName(this.db, lines.flatMap((l) => l.values.departments));
    const operators = new Map((await findOperatorsByExternalIds(this.db, lines.flatMap((l) => (l.values.operator_external_id ? [l.values.operator_external_id] : [])))).map((o) => [o.external_id, o.id]));
    const existing = new Map((await findUsersByEmails(this.db, lines.map((l) => l.values.email))).map((u) => [u.email.toLowerCase(), u.id]));
    for (const { line, values } of lines) {
      const operatorId = values.operator_external_id === null ? null : operators.get(values.operator_external_id);
      if (operatorId === undefined) {
        errors.push({ line, message: `operator_external_id: no operator has external_id "${values.operator_external_id}"` });
        continue;
      }
      const input = {
        email: values.email,
        name: values.name,
        role: values.role,
        department_ids: values.departments.map((d) => departments.get(d.toLowerCase())!),
        operator_id: operatorId,
        locale: values.locale,
        active: isActive(values.active),
      };
      try {
        const id = existing.get(values.email.toLowerCase());
        if (id !== undefined) {
          await this.users.patch(id, input);
          report.updated++;
        } else {
          const created = await this.users.create(input);
          report.created++;
          if (created.invite_url) report.invites.push({ email: created.email, invite_url: created.invite_url });
        }
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        errors.push({ line, message: error.details.map((d) => `${d.path}: ${d.message}`).join('; ') || error.message });
      }
    }
    errors.sort((a, b) => a.line - b.line);
    return report;
  }
}
