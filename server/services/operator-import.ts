// Use case: import operators from CSV (external_id,email,first_name,last_name,department,active),
// reporting each bad line and writing the good ones in chunks.
import { z } from 'zod';
import { ensureDepartmentsByName } from '../db/repositories/departments.js';
import type { Executor } from '../db/repositories/executor.js';
import { findOperatorsByExternalIds, upsertOperators, type OperatorValues } from '../db/repositories/operators.js';
import { ACTIVE_VALUES, blankToNull, isActive, parseCsvLines, type LineError } from './csv-lines.js';

export const OPERATOR_CSV_COLUMNS = ['external_id', 'email', 'first_name', 'last_name', 'department', 'active'] as const;

export interface ImportReport {
  created: number;
  updated: number;
  errors: LineError[];
}

export interface ImportOptions {
  dryRun?: boolean;
  chunkSize?: number;
  onProgress?: (done: number, total: number) => void;
}

const lineSchema = z.object({
  external_id: z.string().trim().min(1, 'external_id is empty').max(255),
  email: z.preprocess(blankToNull, z.email('email is not an email address').max(320).nullable()),
  first_name: z.preprocess(blankToNull, z.string().max(255).nullable()),
  last_name: z.preprocess(blankToNull, z.string().max(255).nullable()),
  department: z.preprocess(blankToNull, z.string().max(255).nullable()),
  active: z.preprocess(
    (v) => String(blankToNull(v) ?? 'true').toLowerCase(),
    z.enum(ACTIVE_VALUES, { message: 'active must be true or false' }),
  ),
});

export async function importOperatorsCsv(db: Executor, text: string, options: ImportOptions = {}): Promise<ImportReport> {
  const { lines, errors } = parseCsvLines(text, OPERATOR_CSV_COLUMNS, 'external_id', lineSchema, (v) => v.external_id);
  const report: ImportReport = { created: 0, updated: 0, errors };
  const chunkSize = options.chunkSize ?? 500;
  for (let start = 0; start < lines.length; start += chunkSize) {
    const chunk = lines.slice(start, start + chunkSize);
    if (options.dryRun) {
      const existing = await findOperatorsByExternalIds(db, chunk.map((l) => l.values.external_id));
      report.updated += existing.length;
      report.created += chunk.length - existing.length;
    } else {
      await db.transaction().execute(async (trx) => {
        const departments = await ensureDepartmentsByName(trx, chunk.flatMap((l) => (l.values.department ? [l.values.department] : [])));
        const rows: OperatorValues[] = chunk.map(({ values }) => ({
          external_id: values.external_id,
          email: values.email,
          first_name: values.first_name,
          last_name: values.last_name,
          department_id: values.department ? departments.get(values.department.toLowerCase())! : null,
          active: isActive(values.active),
        }));
        for (const { created } of await upsertOperators(trx, rows)) {
          if (created) report.created++;
          else report.updated++;
        }
      });
    }
    options.onProgress?.(Math.min(start + chunkSize, lines.length), lines.length);
  }
  report.errors.sort((a, b) => a.line - b.line);
  return report;
}
