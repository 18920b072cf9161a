// Use cases: create, change and list operators.
import { Conflict, NotFound } from '../domain/errors.js';
import type { Executor } from '../db/repositories/executor.js';
import { findOperator, insertOperator, listOperators, updateOperator, type OperatorRecord, type OperatorValues } from '../db/repositories/operators.js';
import type { Departments } from './departments.js';
import { importOperatorsCsv, type ImportOptions, type ImportReport } from './operator-import.js';

export interface OperatorView extends Omit<OperatorRecord, 'created_at' | 'updated_at'> {
  created_at: string;
  updated_at: string;
}

export const operatorView = (row: OperatorRecord): OperatorView => ({
  ...row,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

type OperatorInput = Partial<{ [K in keyof OperatorValues]: OperatorValues[K] | undefined }>;

export class Operators {
  constructor(
    private readonly db: Executor,
    private readonly departments: Departments,
  ) {}

  async create(input: OperatorInput & { external_id: string }): Promise<OperatorView> {
    if (input.department_id) await this.departments.mustExist(input.department_id, 'department_id');
    const row = await insertOperator(this.db, {
      external_id: input.external_id,
      email: input.email ?? null,
      first_name: input.first_name ?? null,
      last_name: input.last_name ?? null,
      department_id: input.department_id ?? null,
      active: input.active ?? true,
    });
    if (!row) throw new Conflict('operator_exists', `an operator with external_id "${input.external_id}" exists`);
    return operatorView(row);
  }

  async patch(id: string, input: OperatorInput): Promise<OperatorView> {
    if (input.department_id) await this.departments.mustExist(input.department_id, 'department_id');
    const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
    try {
      const row = await updateOperator(this.db, id, changes);
      if (!row) throw new NotFound('operator', 'operator_not_found');
      return operatorView(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new Conflict('operator_exists', `an operator with external_id "${input.external_id}" exists`);
      throw error;
    }
  }

  async get(id: string): Promise<OperatorView> {
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await findOperator(this.db, id) : undefined;
    if (!row) throw new NotFound('operator', 'operator_not_found');
    return operatorView(row);
  }

  importCsv(text: string, options?: ImportOptions): Promise<ImportReport> {
    return importOperatorsCsv(this.db, text, options);
  }

  async list(page: { limit: number; after?: string | undefined }): Promise<{ items: OperatorView[]; next_cursor: string | null }> {
    const rows = await listOperators(this.db, { limit: page.limit + 1, ...(page.after !== undefined ? { after: page.after } : {}) });
    const items = rows.slice(0, page.limit).map(operatorView);
    return { items, next_cursor: rows.length > page.limit ? items.at(-1)!.external_id : null };
  }
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
