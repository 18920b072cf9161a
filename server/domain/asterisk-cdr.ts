// Asterisk CDRs as cdr_csv writes them (column order from cdr_csv.c's build_csv_record) and as the SQL
// cdr tables hold them, turned into one shape the pull runner understands. Pure: no I/O.
import { DateTime } from 'luxon';
import { parseTimestamp } from './timestamps.js';

/** The optional cdr_csv columns, switched on in cdr.conf's [csv] section. */
export interface CsvColumnFlags {
  loguniqueid: boolean;
  loguserfield: boolean;
  newcdrcolumns: boolean;
}

const BASE_COLUMNS = [
  'accountcode', 'src', 'dst', 'dcontext', 'clid', 'channel', 'dstchannel', 'lastapp', 'lastdata',
  'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'amaflags',
] as const;

export function csvColumns(flags: CsvColumnFlags): string[] {
  return [
    ...BASE_COLUMNS,
    ...(flags.loguniqueid ? ['uniqueid'] : []),
    ...(flags.loguserfield ? ['userfield'] : []),
    ...(flags.newcdrcolumns ? ['peeraccount', 'linkedid', 'sequence'] : []),
  ];
}

/** A CDR row by column name; values as text (empty = absent). */
export type CdrRow = Record<string, string | null | undefined>;

export interface CdrCall {
  /** Idempotency key of the row: uniqueid (with sequence when present). */
  key: string;
  /** The call this row belongs to: linkedid groups the legs of one call; uniqueid on older systems. */
  callUid: string;
  uniqueid: string | null;
  startedAt: Date;
  /** The calendar day of the start in the PBX's zone (recordings folders are laid out by it). */
  localDay: string;
  from: string | null;
  to: string | null;
  /** Talk time (billsec) in seconds. */
  durationS: number | null;
  answered: boolean;
  recordingFile: string | null;
}

export type CdrResult = { ok: true; call: CdrCall } | { ok: false; reason: string };

const UNIQUEID = /^[\w.-]{1,150}$/;

/** `zone` is where the PBX writes local times (usegmtime=no) — or UTC. */
export function cdrToCall(row: CdrRow, zone: string, fallbackKey: string): CdrResult {
  const start = text(row.calldate) ?? text(row.start);
  if (!start) return { ok: false, reason: 'no start time (calldate/start)' };
  const parsed = parseTimestamp(start, zone);
  if (!parsed.ok) return { ok: false, reason: `start time "${start.slice(0, 40)}": ${parsed.message}` };
  const uniqueid = text(row.uniqueid);
  if (uniqueid !== null && !UNIQUEID.test(uniqueid)) return { ok: false, reason: 'uniqueid has characters Asterisk never writes' };
  const linkedid = text(row.linkedid);
  const sequence = text(row.sequence);
  const billsec = Number(text(row.billsec) ?? NaN);
  const key = uniqueid ? (sequence ? `${uniqueid}:${sequence}` : uniqueid) : fallbackKey;
  return {
    ok: true,
    call: {
      key,
      callUid: linkedid && UNIQUEID.test(linkedid) ? linkedid : (uniqueid ?? fallbackKey),
      uniqueid,
      startedAt: resolveRepeatedHour(parsed.date, zone, uniqueid),
      localDay: start.slice(0, 10),
      from: text(row.src),
      to: text(row.dst),
      durationS: Number.isFinite(billsec) && billsec >= 0 ? billsec : null,
      answered: (text(row.disposition) ?? '').toUpperCase() === 'ANSWERED',
      recordingFile: text(row.recordingfile),
    },
  };
}

const WALL_CLOCK = 'yyyy-MM-dd HH:mm:ss';
/** A uniqueid is `<unix epoch of the channel's creation>.<sequence>`. */
const UNIQUEID_EPOCH = /^(\d{9,11})\.\d+$/;

/**
 * When clocks go back a local calldate happens twice (02:30 in Berlin on the last Sunday of October);
 * the parser takes one of them. The call started after its channel was created, at the uniqueid's
 * epoch: the first of the instants showing this wall-clock time that is not before it is the start.
 */
function resolveRepeatedHour(date: Date, zone: string, uniqueid: string | null): Date {
  const epoch = uniqueid ? UNIQUEID_EPOCH.exec(uniqueid)?.[1] : undefined;
  if (!epoch) return date;
  const wall = DateTime.fromJSDate(date, { zone }).toFormat(WALL_CLOCK);
  const same = [-3600, -1800, 0, 1800, 3600]
    .map((shift) => new Date(date.getTime() + shift * 1000))
    .filter((d) => DateTime.fromJSDate(d, { zone }).toFormat(WALL_CLOCK) === wall);
  if (same.length < 2) return date;
  return same.find((d) => d.getTime() >= Number(epoch) * 1000) ?? date;
}

function text(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = String(value).trim();
  return trimmed === '' ? null : trimmed;
}
