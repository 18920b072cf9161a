// What a benchmark contributes to docs/PERFORMANCE.md: a titled table of earshot vs its same-run baseline.
// `npm run bench` (bench/all.ts) sets BENCH_REPORT_FILE; a benchmark run on its own just prints.
import { appendFileSync } from 'node:fs';

export interface ReportRow {
  what: string;
  earshot: string;
  baseline: string;
  /** earshot / baseline, or a target check; empty when the row has no baseline. */
  ratio: string;
}

export interface ReportSection {
  title: string;
  command: string;
  rows: ReportRow[];
  notes?: string[];
}

export function report(section: ReportSection): void {
  const file = process.env.BENCH_REPORT_FILE;
  if (file) appendFileSync(file, `${JSON.stringify(section)}\n`);
}

export const ms = (value: number) => `${value.toFixed(1)} ms`;
export const perSecond = (value: number, unit = '/s') => `${Math.round(value).toLocaleString('en-US')}${unit}`;
export const times = (value: number) => `${value.toFixed(2)}×`;
