// An Asterisk CDR table in SQL: cdr_pgsql's `cdr` on Postgres or FreePBX's asteriskcdrdb.cdr on
// MySQL/MariaDB. Read in (calldate, uniqueid) order from the cursor minus an overlap — a CDR row is
// written when the call ends but dated when it started, so long calls land behind shorter ones. The
// overlap re-reads a bounded window (skipped as already seen); rows before it are never touched.
import mysql from 'mysql2/promise';
import pg from 'pg';
import { DateTime } from 'luxon';
import { cdrToCall, type CdrRow } from '../domain/asterisk-cdr.js';
import { SourceUnreachable, type Cursor, type PullPage, type PullSource, type RecordingRef, type SourceRecord } from './port.js';

export interface CdrSqlConfig {
  dialect: 'postgres' | 'mysql';
  url: string;
  table: string;
  recordings_dir?: string | undefined;
  /** Recordings served over HTTP in the same YYYY/MM/DD layout (e.g. a web server over the monitor folder). */
  recordings_url?: string | undefined;
  overlap_seconds: number;
}

const WANTED = ['calldate', 'start', 'src', 'dst', 'duration', 'billsec', 'disposition', 'uniqueid', 'linkedid', 'sequence', 'recordingfile', 'did', 'dcontext', 'clid'];
const EPOCH = '1970-01-01 00:00:00';

interface Connection {
  query(text: string, params: unknown[]): Promise<Array<Record<string, unknown>>>;
  end(): Promise<void>;
}

export class AsteriskCdrSql implements PullSource {
  private connection: Connection | undefined;
  private columns: string[] | undefined;
  /** Where the next page starts within this run: the first page starts an overlap before the cursor. */
  private position: { time: string; uniqueid: string } | undefined;

  constructor(
    private readonly config: CdrSqlConfig,
    private readonly zone: string,
  ) {}

  async check(): Promise<void> {
    await this.discoverColumns();
  }

  async read(cursor: Cursor | null, limit: number): Promise<PullPage> {
    const columns = await this.discoverColumns();
    const time = columns.includes('calldate') ? 'calldate' : 'start';
    this.position ??= cursor
      ? {
          time: DateTime.fromSQL(String(cursor.time), { zone: 'UTC' }).minus({ seconds: this.config.overlap_seconds }).toFormat('yyyy-MM-dd HH:mm:ss'),
          uniqueid: this.config.overlap_seconds === 0 ? String(cursor.uniqueid) : '',
        }
      : { time: EPOCH, uniqueid: '' };
    const rows = await this.query(time, columns, this.position.time, this.position.uniqueid, limit);
    const records: SourceRecord[] = [];
    const rejected: PullPage['rejected'] = [];
    for (const raw of rows) {
      const row = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k === 'cdr_time' ? 'calldate' : k, v === null || v === undefined ? null : String(v)])) as CdrRow;
      const result = cdrToCall(row, this.zone, '');
      if (!result.ok || !result.call.uniqueid) {
        rejected.push({ at: `uniqueid ${row.uniqueid ?? '?'}`, reason: result.ok ? 'no uniqueid' : result.reason, raw: JSON.stringify(row) });
        continue;
      }
      const call = result.call;
      records.push({
        key: call.key,
        callUid: call.callUid,
        startedAt: call.startedAt,
        from: call.from,
        to: call.to,
        durationS: call.durationS,
        answered: call.answered,
        recording: call.answered ? this.recordingOf(call.localDay, call.recordingFile, call.uniqueid) : null,
        raw: { cdr: row },
      });
    }
    const last = rows.at(-1);
    if (last) this.position = { time: String(last.cdr_time), uniqueid: String(last.uniqueid ?? '') };
    // The stored cursor never moves back (the overlap window's rows come before it).
    const next = this.position && (!cursor || compareKeys(this.position, cursor) > 0) ? { ...this.position } : cursor;
    return { records, rejected, cursor: next, done: rows.length < limit };
  }

  startAt(time: Date): void {
    // An hour early: the repeated hour of a DST change has local times before `time` for instants after it.
    this.position = { time: DateTime.fromJSDate(time, { zone: this.zone }).minus({ hours: 1 }).toFormat('yyyy-MM-dd HH:mm:ss'), uniqueid: '' };
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

  /** The time is selected under another name: ORDER BY must use the column (and its index), not the text. */
  private async query(time: string, columns: string[], since: string, after: string, limit: number) {
    const connection = await this.connect();
    const select = columns.filter((c) => c !== time && WANTED.includes(c));
    if (this.config.dialect === 'postgres') {
      const list = select.map((c) => `${quotePg(c)}::text AS ${quotePg(c)}`).join(', ');
      return connection.query(
        `SELECT to_char(${quotePg(time)}, 'YYYY-MM-DD HH24:MI:SS') AS cdr_time, ${list} FROM ${this.tableName()}
         WHERE ${quotePg(time)} >= $1::timestamp AND (${quotePg(time)} > $1::timestamp OR coalesce(uniqueid, '') > $2)
         ORDER BY ${quotePg(time)}, uniqueid LIMIT $3`,
        [since, after, limit],
      );
    }
    const list = select.map((c) => quoteMy(c)).join(', ');
    return connection.query(
      `SELECT DATE_FORMAT(${quoteMy(time)}, '%Y-%m-%d %H:%i:%s') AS cdr_time, ${list} FROM ${this.tableName()}
       WHERE ${quoteMy(time)} >= ? AND (${quoteMy(time)} > ? OR COALESCE(uniqueid, '') > ?)
       ORDER BY ${quoteMy(time)}, uniqueid LIMIT ?`,
      [since, since, after, limit],
    );
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

function compareKeys(a: { time: string; uniqueid: string }, b: Cursor): number {
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return cmp(a.time, String(b.time)) || cmp(a.uniqueid, String(b.uniqueid));
}

const quotePg = (name: string) => pg.escapeIdentifier(name);
const quoteMy = (name: string) => `\`${name.replace(/`/g, '``')}\``;
