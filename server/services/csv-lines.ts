// Reading an import CSV: a header row naming known columns (the key column required), one zod-checked
// record per line with its line number (quoted line breaks counted), a repeated key reported at its line.
import { parse } from 'csv-parse/sync';
import type { z } from 'zod';
import { Unprocessable } from '../domain/errors.js';

export interface LineError {
  line: number;
  message: string;
}

export interface CsvLines<T> {
  lines: Array<{ line: number; values: T }>;
  errors: LineError[];
}

export function parseCsvLines<S extends z.ZodType>(text: string, columns: readonly string[], key: string, lineSchema: S, keyOf: (values: z.output<S>) => string): CsvLines<z.output<S>> {
  let records: Array<{ record: Record<string, string>; raw: string; info: { lines: number } }>;
  try {
    // csv-parse counts a quoted CRLF as two lines; with LF endings info.lines is the record's last line.
    records = parse(text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n'), {
      columns: (header: string[]) => checkHeader(header.map((h) => h.trim().toLowerCase()), columns, key),
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
  const result: CsvLines<z.output<S>> = { lines: [], errors: [] };
  const firstSeen = new Map<string, number>();
  for (const { record, raw, info } of records) {
    const line = info.lines - (raw.replace(/\n$/, '').match(/\n/g)?.length ?? 0);
    const parsed = lineSchema.safeParse(record);
    if (!parsed.success) {
      result.errors.push({ line, message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      continue;
    }
    const value = keyOf(parsed.data);
    const seen = firstSeen.get(value);
    if (seen !== undefined) {
      result.errors.push({ line, message: `${key} "${value}" repeats line ${seen}` });
      continue;
    }
    firstSeen.set(value, line);
    result.lines.push({ line, values: parsed.data });
  }
  return result;
}

function checkHeader(header: string[], columns: readonly string[], key: string): string[] {
  const unknown = header.filter((h) => !columns.includes(h));
  if (unknown.length > 0 || !header.includes(key)) {
    throw new Unprocessable('invalid_csv', `the header row must name columns among ${columns.join(',')} including ${key}`, [
      { path: 'line 1', code: 'invalid_csv', message: unknown.length ? `unknown columns: ${unknown.join(', ')}` : `${key} column missing` },
    ]);
  }
  return header;
}

/** A CSV cell: blank means absent. */
export const blankToNull = (v: unknown) => (v === undefined || (typeof v === 'string' && v.trim() === '') ? null : typeof v === 'string' ? v.trim() : v);

/** An `active` cell: true unless it says false (true/false, 1/0, yes/no). */
export const ACTIVE_VALUES = ['true', 'false', '1', '0', 'yes', 'no'] as const;
export const isActive = (value: string) => ['true', '1', 'yes'].includes(value);
