// Oktell over its Web-API: Oktell has no fixed method for listing calls, so the site installs a service
// script (called through /execsvcscriptplain, HTTP Basic auth) that returns, as a JSON array, rows of
// A_Stat_Connections_1x1 after a cursor — startparam1 = TimeStart, startparam2 = Id, startparam3 = limit,
// ordered by (TimeStart, Id) — with RecordUrl set for recorded rows. deploy/INSTALL.md shows the script.
import { DateTime } from 'luxon';
import { z } from 'zod';
import { parseTimestamp } from '../domain/timestamps.js';
import { basicAuth, getJson } from './http-json.js';
import { SourceUnreachable, type Cursor, type PullPage, type PullSource, type RejectedRecord, type SourceRecord } from './port.js';

export interface OktellConfig {
  url: string;
  script: string;
  username: string;
  password: string;
}

const text = z.union([z.string(), z.number()]).transform(String).nullish();
const Row = z.object({
  Id: z.string().min(1).max(64),
  IdChain: z.string().max(64).nullish(),
  TimeStart: z.string().max(40),
  TimeStop: z.string().max(40).nullish(),
  AOutNumber: text,
  BOutNumber: text,
  ALineNum: text,
  BLineNum: text,
  ConnectionType: z.coerce.number().int().nullish(),
  IsRecorded: z.union([z.boolean(), z.number()]).nullish(),
  ReasonFailed: text,
  RecordUrl: z.string().max(2048).nullish(),
});
type OktellRow = z.infer<typeof Row>;

export class OktellHttp implements PullSource {
  private position: { time: string; id: string } | undefined;

  constructor(
    private readonly config: OktellConfig,
    private readonly zone: string,
  ) {}

  async check(): Promise<void> {
    await this.fetch({ time: '2000-01-01T00:00:00', id: '' }, 1);
  }

  async read(cursor: Cursor | null, limit: number): Promise<PullPage> {
    this.position ??= cursor ? { time: String(cursor.time), id: String(cursor.id) } : { time: '2000-01-01T00:00:00', id: '' };
    const rows = await this.fetch(this.position, limit);
    const records: SourceRecord[] = [];
    const rejected: RejectedRecord[] = [];
    const before = this.position;
    for (const [i, value] of rows.entries()) {
      const row = Row.safeParse(value);
      if (!row.success) {
        rejected.push({ at: `row ${i}`, reason: `not an A_Stat_Connections_1x1 row: ${row.error.issues[0]?.path.join('.')} ${row.error.issues[0]?.message}`, raw: JSON.stringify(value) });
        continue;
      }
      const record = this.toRecord(row.data);
      if ('reason' in record) rejected.push({ ...record, raw: JSON.stringify(value) });
      else {
        records.push(record);
        // Only a row whose time we could read moves the cursor: the script compares times.
        this.position = { time: row.data.TimeStart, id: row.data.Id };
      }
    }
    const stuck = this.position === before;
    return { records, rejected, cursor: { ...this.position }, done: rows.length < limit || stuck };
  }

  startAt(time: Date): void {
    // An hour early: the repeated hour of a DST change has local times before `time` for instants after it.
    this.position = { time: DateTime.fromJSDate(time, { zone: this.zone }).minus({ hours: 1 }).toFormat("yyyy-MM-dd'T'HH:mm:ss"), id: '' };
  }

  async close(): Promise<void> {}

  private async fetch(after: { time: string; id: string }, limit: number): Promise<unknown[]> {
    const url = new URL('/execsvcscriptplain', this.config.url);
    url.search = new URLSearchParams({ name: this.config.script, startparam1: after.time, startparam2: after.id, startparam3: String(limit), async: '0', timeout: '60' }).toString();
    const body = await getJson(url.toString(), basicAuth(this.config.username, this.config.password));
    if (!Array.isArray(body)) throw new SourceUnreachable(`the service script ${this.config.script} did not answer a JSON array`);
    return body;
  }

  private toRecord(row: OktellRow): SourceRecord | RejectedRecord {
    const start = parseTimestamp(row.TimeStart, this.zone);
    if (!start.ok) return { at: row.Id, reason: `TimeStart: ${start.message}` };
    const stop = row.TimeStop ? parseTimestamp(row.TimeStop, this.zone) : undefined;
    const durationS = stop?.ok ? Math.max(0, (stop.date.getTime() - start.date.getTime()) / 1000) : null;
    // A is the calling side, B the called one; the runner finds which of them is an operator.
    const from = row.AOutNumber || row.ALineNum || null;
    const to = row.BOutNumber || row.BLineNum || null;
    const answered = (row.ReasonFailed ?? '0') === '0' && (durationS ?? 0) > 0;
    const recorded = answered && Boolean(row.IsRecorded) && row.RecordUrl;
    return {
      key: row.Id,
      callUid: row.IdChain || row.Id,
      startedAt: start.date,
      from,
      to,
      durationS,
      answered,
      recording: recorded ? { kind: 'url', url: new URL(row.RecordUrl!, this.config.url).toString(), headers: basicAuth(this.config.username, this.config.password) } : null,
      raw: { oktell: row },
    };
  }
}
