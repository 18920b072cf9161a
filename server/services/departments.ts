// Use cases: departments.
import { Conflict, Unprocessable } from '../domain/errors.js';
import { findDepartment, insertDepartment, listDepartments, type DepartmentRecord } from '../db/repositories/departments.js';
import type { Executor } from '../db/repositories/executor.js';

export interface DepartmentView {
  id: string;
  name: string;
  parent_id: string | null;
  created_at: string;
}

const view = (row: DepartmentRecord): DepartmentView => ({ ...row, created_at: row.created_at.toISOString() });

export class Departments {
  constructor(private readonly db: Executor) {}

  async create(input: { name: string; parent_id?: string | null | undefined }): Promise<DepartmentView> {
    if (input.parent_id) await this.mustExist(input.parent_id, 'parent_id');
    const row = await insertDepartment(this.db, { name: input.name, parent_id: input.parent_id ?? null });
    if (!row) throw new Conflict('department_exists', `a department named "${input.name}" exists`);
    return view(row);
  }

  async list(): Promise<DepartmentView[]> {
    return (await listDepartments(this.db)).map(view);
  }

  async mustExist(id: string, path: string): Promise<void> {
    if (!(await findDepartment(this.db, id))) {
      throw new Unprocessable('department_not_found', 'no such department', [{ path, code: 'department_not_found', message: 'no such department' }]);
    }
  }
}
