// Use case: import operators from CSV (external_id,email,first_name,last_name,department,active),
// reporting each bad line and writing the good ones in chunks.
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { Unprocessable } from '../domain/errors.js';
import { ensureDepartmentsByName } from '../db/repositories/departments.js';
import type { Executor } from '../db/repositories/executor.js';
import { findOperatorsByExternalIds, upsertOperators, type OperatorValues } from '../db/repositories/operators.js';

export const OPERATOR_CSV_COLUMNS = ['external_id', 'email', 'first_name', 'last_name', 'department', 'active'] as const;

export interface ImportReport {
  created: number;
  updated: number;
  errors: Array<{ line: number; message: string }>;
}

export interface ImportOptions {
  dryRun?: boolean;
  chunkSize?: number;
  onProgress?: (done: number, total: number) => void;
}

const blankToNull = (v: string | undefined) => (v === undefined || v.trim() === '' ? null : v.trim());
const lineSchema = z.object({
  external_id: z.string().trim().min(1, 'external_id is empty').max(255),
  email: z.preprocess(blankToNull, z.email('email is not an email address').max(320).nullable()),
  first_name: z.preprocess(blankToNull, z.string().max(255).nullable()),
  last_name: z.preprocess(blankToNull, z.string().max(255).nullable()),
  department: z.preprocess(blankToNull, z.string().max(255).nullable()),
  active: z.preprocess(
    (v) => (blankToNull(v as string | undefined) ?? 'true').toLowerCase(),
    z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'active must be true or false' }),
  ),
});

type ParsedLine = { line: number; values: z.infer<typeof lineSchema> };

export async function importOperatorsCsv(db: Executor, text: string, options: ImportOptions = {}): Promise<ImportReport> {
  const { lines, errors } = parseLines(text);
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
          active: ['true', '1', 'yes'].includes(values.active),
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

function parseLines(text: string): { lines: ParsedLine[]; errors: ImportReport['errors'] } {
  let records: Array<{ record: Record<string, string>; raw: string; info: { lines: number } }>;
  try {
    // csv-parse counts a quoted CRLF as two lines; with LF endings info.lines is the record's last line.
    records = parse(text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n'), {
      columns: (header: string[]) => checkHeader(header.map((h) => h.trim().toLowerCase())),
      info: true,
      raw: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: false,
    }) as typeof records;
  } catch (error) {
    if (error instanceof Unprocessable) throw error;
    throw new Unprocessable('invalid_csv', `CSV could not be read: ${(error as Error).message}`);
  }
  const lines: ParsedLine[] = [];
  const errors: ImportReport['errors'] = [];
  const firstSeen = new Map<string, number>();
  for (const { record, raw, info } of records) {
    const line = info.lines - (raw.replace(/\n$/, '').match(/\n/g)?.length ?? 0);
    const parsed = lineSchema.safeParse(record);
    if (!parsed.success) {
      errors.push({ line, message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      continue;
    }
    const seen = firstSeen.get(parsed.data.external_id);
    if (seen !== undefined) {
      errors.push({ line, message: `external_id "${parsed.data.external_id}" repeats line ${seen}` });
      continue;
    }
    firstSeen.set(parsed.data.external_id, line);
    lines.push({ line, values: parsed.data });
  }
  return { lines, errors };
}

function checkHeader(header: string[]): string[] {
  const unknown = header.filter((h) => !(OPERATOR_CSV_COLUMNS as readonly string[]).includes(h));
  if (unknown.length > 0 || !header.includes('external_id')) {
    throw new Unprocessable('invalid_csv', `the header row must name columns among ${OPERATOR_CSV_COLUMNS.join(',')} including external_id`, [
      { path: 'line 1', code: 'invalid_csv', message: unknown.length ? `unknown columns: ${unknown.join(', ')}` : 'external_id column missing' },
    ]);
  }
  return header;
}
