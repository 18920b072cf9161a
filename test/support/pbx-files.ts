// Builders for what an Asterisk box leaves on disk: Master.csv lines in cdr_csv's column order and
// MixMonitor recordings under YYYY/MM/DD with FreePBX's file names.
import { copyFileSync, mkdirSync, mkdtempSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function pbxDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'earshot-pbx-'));
}

export interface CdrLine {
  src: string;
  dst: string;
  clid?: string;
  start: string;
  billsec?: number;
  disposition?: string;
  uniqueid: string;
  userfield?: string;
}

const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;

/** One Master.csv line with loguniqueid=yes, loguserfield=yes, newcdrcolumns=no (18 columns). */
export function cdrLine(c: CdrLine): string {
  const billsec = c.billsec ?? 30;
  const answer = c.disposition && c.disposition !== 'ANSWERED' ? '' : quote(c.start);
  return [
    quote(''), quote(c.src), quote(c.dst), quote('from-internal'), quote(c.clid ?? `"${c.src}" <${c.src}>`), quote(`SIP/${c.src}-0000001`), quote(`SIP/${c.dst}-0000002`),
    quote('Dial'), quote(`SIP/${c.dst},30`), quote(c.start), answer, quote(c.start), String(billsec + 5), String(billsec), quote(c.disposition ?? 'ANSWERED'),
    quote('DOCUMENTATION'), quote(c.uniqueid), quote(c.userfield ?? ''),
  ].join(',') + '\n';
}

/** Places a recording as FreePBX names it: <dir>/YYYY/MM/DD/<type>-<to>-<from>-YYYYMMDD-HHMMSS-<uniqueid>.<audio's extension>, settled. */
export function placeRecording(dir: string, audio: string, c: { src: string; dst: string; start: string; uniqueid: string }, type = 'out'): string {
  const [day, time] = c.start.split(' ') as [string, string];
  const [y, m, d] = day.split('-');
  const folder = path.join(dir, y!, m!, d!);
  mkdirSync(folder, { recursive: true });
  const name = `${type}-${c.dst}-${c.src}-${day.replace(/-/g, '')}-${time.replace(/:/g, '')}-${c.uniqueid}${path.extname(audio)}`;
  const file = path.join(folder, name);
  copyFileSync(audio, file);
  const past = new Date(Date.now() - 60_000);
  utimesSync(file, past, past);
  return name;
}
