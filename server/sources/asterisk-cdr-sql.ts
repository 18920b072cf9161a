// An Asterisk CDR table in SQL: cdr_pgsql's `cdr` on Postgres or FreePBX's asteriskcdrdb.cdr on
// MySQL/MariaDB. Read in (calldate, uniqueid, sequence) order — a total order: FreePBX writes the rows
// of a queue call with one calldate and uniqueid, told apart by sequence — from the cursor minus an
// overlap. A CDR row is written when the call ends but dated when it started, so long calls land behind
// shorter ones: the overlap is the configured one or the longest call seen so far (kept in the cursor),
// whichever is longer. The overlap's rows are skipped as already seen; rows before it are never touched.
import mysql from 'mysql2/promise';
import pg from 'pg';
import { DateTime } from 'luxon';
import { cdrToCall, type CdrRow } from '../domain/asterisk-cdr.js';
import { DEFAULT_PARTY_PATTERNS, partiesOf, partyColumns, type PartyRule } from './cdr-parties.js';
import { SourceUnreachable, type Cursor, type PullPage, type PullSource, type RecordingRef, type SourceRecord } from './port.js';

export interface CdrSqlConfig {
  dialect: 'postgres' | 'mysql';
  url: string;
  table: string;
  recordings_dir?: string | undefined;
  /** Recordings served over HTTP in the same YYYY/MM/DD layout (e.g. a web server over the monitor folder). */
  recordings_url?: string | undefined;
  /** 0: rows are written in calldate order, no overlap at all. */
  overlap_seconds: number;
  /** Absent in configs saved before the setting existed: the defaults. */
  party_patterns?: { from: PartyRule[]; to: PartyRule[] } | undefined;
}

const WANTED = ['calldate', 'start', 'src', 'dst', 'duration', 'billsec', 'disposition', 'uniqueid', 'linkedid', 'sequence', 'recordingfile', 'did', 'dcontext', 'clid'];
const EPOCH = '1970-01-01 00:00:00';
/** A channel left up for weeks (or a garbage duration) must not make every run re-read the table. */
const LONGEST_OVERLAP = 7 * 24 * 3600;

/** A row's place in the read order. */
interface Key {
  time: string;
  uniqueid: string;
  sequence: number;
}

interface Connection {
  query(text: string, params: unknown[]): Promise<Array<Record<string, unknown>>>;
  end(): Promise<void>;
}

export class AsteriskCdrSql implements PullSource {
  private connection: Connection | undefined;
  private columns: string[] | undefined;
  /** Where the next page starts within this run: from a time (the overlap), or after a row. */
  private position: { since: string } | { after: Key } | undefined;
  private readonly parties: { from: PartyRule[]; to: PartyRule[] };
  /** The longest call (duration) seen so far, carried in the cursor. */
  private longest: number | undefined;

  constructor(
    private readonly config: CdrSqlConfig,
    private readonly zone: string,
  ) {
    this.parties = config.party_patterns ?? DEFAULT_PARTY_PATTERNS;
  }

  async check(): Promise<void> {
    await this.discoverColumns();
  }

  async read(cursor: Cursor | null, limit: number): Promise<PullPage> {
    const columns = await this.discoverColumns();
    const time = columns.includes('calldate') ? 'calldate' : 'start';
    const longest = Number(cursor?.longest_s ?? 0);
    this.longest ??= longest;
    // The first page starts an overlap before the cursor (taking its whole second), later pages after the last row.
    const overlap = this.config.overlap_seconds === 0 ? 0 : Math.max(this.config.overlap_seconds, longest);
    this.position ??= !cursor
      ? { since: EPOCH }
      : overlap === 0
        ? { after: keyOf(cursor) }
        : { since: DateTime.fromSQL(String(cursor.time), { zone: 'UTC' }).minus({ seconds: overlap }).toFormat('yyyy-MM-dd HH:mm:ss') };
    const rows = await this.query(time, columns, this.position, limit);
    const records: SourceRecord[] = [];
    const rejected: PullPage['rejected'] = [];
    for (const raw of rows) {
      const row = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k === 'cdr_time' ? 'calldate' : k, v === null || v === undefined ? null : String(v)])) as CdrRow;
      this.longest = Math.min(LONGEST_OVERLAP, Math.max(this.longest, Number(row.duration ?? row.billsec ?? 0) || 0));
      const result = cdrToCall(row, this.zone, '');
      if (!result.ok || !result.call.uniqueid) {
        rejected.push({ at: `uniqueid ${row.uniqueid ?? '?'}`, reason: result.ok ? 'no uniqueid' : result.reason, raw: JSON.stringify(row) });
        continue;
      }
      const call = result.call;
      // An empty recordingfile is FreePBX's "not recorded"; without the column the folder is searched by uniqueid.
      const unrecorded = columns.includes('recordingfile') && call.recordingFile === null;
      records.push({
        key: call.key,
        callUid: call.callUid,
        startedAt: call.startedAt,
        from: call.from,
        to: call.to,
        aliases: { from: partiesOf(row, this.parties.from), to: partiesOf(row, this.parties.to) },
        durationS: call.durationS,
        answered: call.answered,
        recording: call.answered && !unrecorded ? this.recordingOf(call.localDay, call.recordingFile, call.uniqueid) : null,
        raw: { cdr: row },
      });
    }
    const last = rows.at(-1);
    if (last) this.position = { after: { time: String(last.cdr_time), uniqueid: String(last.uniqueid ?? ''), sequence: Number(last.sequence ?? 0) } };
    // The stored cursor never moves back (the overlap window's rows come before it).
    const at = 'after' in this.position && (!cursor || compareKeys(this.position.after, keyOf(cursor)) > 0) ? this.position.after : cursor ? keyOf(cursor) : null;
    return { records, rejected, cursor: at ? { ...at, longest_s: this.longest } : null, done: rows.length < limit };
  }

  startAt(time: Date): void {
    // An hour early: the repeated hour of a DST change has local times before `time` for instants after it.
    this.position = { since: DateTime.fromJSDate(time, { zone: this.zone }).minus({ hours: 1 }).toFormat('yyyy-MM-dd HH:mm:ss') };
  }

  async close(): Promise<void> {
    await this.connection?.end().catch(() => {});
    this.connection = undefined;
  }

  private recordingOf(localDay: string, file: string | null, uniqueid: string | null): RecordingRef | null {
    if (this.config.recordings_url && file) {
      const [y, m, d] = localDay.split('-');
      return { kind: 'url', url: `${this.config.recordings_url.replace(/\/+$/, '')}/${y}/${m}/${d}/${encodeURIComponent(file)}`, headers: {} };
    }
    if (this.config.recordings_dir) return { kind: 'folder', localDay, basename: file, uniqueid };
    return null;
  }

  /**
   * The time is selected under another name: ORDER BY must use the column (and its index), not the text.
   * Tables without a sequence column are read in (time, uniqueid) order.
   */
  private async query(time: string, columns: string[], position: { since: string } | { after: Key }, limit: number) {
    const connection = await this.connect();
    const wanted = new Set([...WANTED, ...partyColumns(this.parties)]);
    const select = columns.filter((c) => c !== time && wanted.has(c));
    const sequence = columns.includes('sequence');
    const pgsql = this.config.dialect === 'postgres';
    const quote = pgsql ? quotePg : quoteMy;
    let n = 0;
    const param = (cast = '') => (pgsql ? `$${++n}${cast}` : '?');
    const stamp = pgsql ? '::timestamp' : '';
    const t = quote(time);
    const key = sequence ? `(COALESCE(uniqueid, ''), COALESCE(${quote('sequence')}, 0))` : `COALESCE(uniqueid, '')`;
    const params: unknown[] = [];
    let where: string;
    if ('since' in position) {
      where = `${t} >= ${param(stamp)}`;
      params.push(position.since);
    } else {
      const { time: at, uniqueid, sequence: seq } = position.after;
      where = `${t} >= ${param(stamp)} AND (${t} > ${param(stamp)} OR ${key} > ${sequence ? `(${param()}, ${param()})` : param()})`;
      params.push(at, at, uniqueid, ...(sequence ? [seq] : []));
    }
    const order = `${t}, COALESCE(uniqueid, '')${sequence ? `, COALESCE(${quote('sequence')}, 0)` : ''}`;
    const list = select.map((c) => (pgsql ? `${quotePg(c)}::text AS ${quotePg(c)}` : quoteMy(c))).join(', ');
    const timeText = pgsql ? `to_char(${t}, 'YYYY-MM-DD HH24:MI:SS')` : `DATE_FORMAT(${t}, '%Y-%m-%d %H:%i:%s')`;
    return connection.query(`SELECT ${timeText} AS cdr_time, ${list} FROM ${this.tableName()} WHERE ${where} ORDER BY ${order} LIMIT ${param()}`, [...params, limit]);
  }

  private tableName(): string {
    const quote = this.config.dialect === 'postgres' ? quotePg : quoteMy;
    return this.config.table.split('.').map(quote).join('.');
  }

  private async discoverColumns(): Promise<string[]> {
    if (this.columns) return this.columns;
    const connection = await this.connect();
    const [schema, table] = this.config.table.includes('.') ? this.config.table.split('.') : [null, this.config.table];
    const rows = await connection
      .query(
        this.config.dialect === 'postgres'
          ? `SELECT column_name AS name FROM information_schema.columns WHERE table_name = $1 AND table_schema = coalesce($2, current_schema())`
          : `SELECT column_name AS name FROM information_schema.columns WHERE table_name = ? AND table_schema = coalesce(?, database())`,
        [table, schema],
      )
      .catch((error: Error) => {
        throw new SourceUnreachable(`cannot read the columns of ${this.config.table}: ${error.message}`, { cause: error });
      });
    const names = rows.map((r) => String(r.name ?? r.NAME).toLowerCase());
    if (names.length === 0) throw new SourceUnreachable(`table ${this.config.table} does not exist or has no columns`);
    for (const required of ['uniqueid', 'src', 'dst', 'disposition']) {
      if (!names.includes(required)) throw new SourceUnreachable(`table ${this.config.table} has no ${required} column`);
    }
    if (!names.includes('calldate') && !names.includes('start')) throw new SourceUnreachable(`table ${this.config.table} has neither calldate nor start`);
    this.columns = names;
    return names;
  }

  private async connect(): Promise<Connection> {
    if (this.connection) return this.connection;
    try {
      if (this.config.dialect === 'postgres') {
        const client = new pg.Client({ connectionString: this.config.url, connectionTimeoutMillis: 10_000, statement_timeout: 60_000 });
        await client.connect();
        await client.query(`SET TIME ZONE ${pg.escapeLiteral(this.zone)}`);
        this.connection = { query: async (text, params) => (await client.query(text, params)).rows, end: () => client.end() };
      } else {
        const client = await mysql.createConnection({ uri: this.config.url, dateStrings: true, connectTimeout: 10_000, supportBigNumbers: true, bigNumberStrings: true });
        this.connection = { query: async (text, params) => (await client.query(text, params))[0] as Array<Record<string, unknown>>, end: () => client.end() };
      }
      return this.connection;
    } catch (error) {
      throw new SourceUnreachable(`cannot connect to the CDR database: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** A cursor from before sequence was kept resumes at the first row of its uniqueid (seen rows are skipped). */
const keyOf = (cursor: Cursor): Key => ({ time: String(cursor.time), uniqueid: String(cursor.uniqueid ?? ''), sequence: Number(cursor.sequence ?? -1) });

function compareKeys(a: Key, b: Key): number {
  const cmp = (x: string | number, y: string | number) => (x < y ? -1 : x > y ? 1 : 0);
  return cmp(a.time, b.time) || cmp(a.uniqueid, b.uniqueid) || cmp(a.sequence, b.sequence);
}

const quotePg = (name: string) => pg.escapeIdentifier(name);
const quoteMy = (name: string) => `\`${name.replace(/`/g, '``')}\``;
