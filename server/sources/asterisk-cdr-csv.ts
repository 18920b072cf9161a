// Asterisk cdr_csv's Master.csv: appended lines, no header, cdr.conf's flags decide the optional
// columns. The cursor is the byte offset after the last whole line read (and the file's inode, so a
// rotated file is read from its start); a run with nothing new reads nothing.
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { cdrToCall, csvColumns, type CsvColumnFlags } from '../domain/asterisk-cdr.js';
import { SourceUnreachable, type Cursor, type PullPage, type PullSource, type RejectedRecord, type SourceRecord } from './port.js';

export interface CdrCsvConfig {
  path: string;
  recordings_dir?: string | undefined;
  columns: CsvColumnFlags;
  /** Older PBXes write caller names in windows-1251; `auto` reads UTF-8 and falls back per line. */
  encoding: 'utf-8' | 'windows-1251' | 'auto';
}

const CHUNK = 1 << 20;
/** cdr_csv drops records over its 1024-byte buffer; anything longer is not a CDR line. */
const MAX_LINE = 4096;
const tooLong = `a line longer than ${MAX_LINE} bytes: skipped`;

export class AsteriskCdrCsv implements PullSource {
  private readonly columns: string[];
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  private readonly cp1251 = new TextDecoder('windows-1251');

  constructor(
    private readonly config: CdrCsvConfig,
    private readonly zone: string,
  ) {
    this.columns = csvColumns(config.columns);
  }

  async check(): Promise<void> {
    await this.statFile();
  }

  async read(cursor: Cursor | null, limit: number): Promise<PullPage> {
    const info = await this.statFile();
    let offset = cursor && cursor.ino === info.ino && Number(cursor.offset) <= info.size ? Number(cursor.offset) : 0;
    const records: SourceRecord[] = [];
    const rejected: RejectedRecord[] = [];
    if (offset >= info.size) return { records, rejected, cursor: { offset, ino: info.ino }, done: true };

    const file = await open(this.config.path, 'r');
    try {
      const buffer = Buffer.alloc(CHUNK);
      let carry = Buffer.alloc(0);
      let position = offset;
      while (records.length + rejected.length < limit && position < info.size) {
        const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK, info.size - position), position);
        if (bytesRead === 0) break;
        position += bytesRead;
        let data = Buffer.concat([carry, buffer.subarray(0, bytesRead)]);
        let newline: number;
        while (records.length + rejected.length < limit && (newline = data.indexOf(0x0a)) !== -1) {
          const line = data.subarray(0, newline);
          const at = `byte ${offset}`;
          offset += newline + 1;
          data = data.subarray(newline + 1);
          if (line.length === 0 || (line.length === 1 && line[0] === 0x0d)) continue;
          const result = line.length > MAX_LINE ? { at, reason: tooLong } : this.parseLine(line, at);
          if ('reason' in result) rejected.push({ ...result, raw: this.decode(line.subarray(0, MAX_LINE)) });
          else records.push(result);
        }
        // Only a remainder that holds no newline is a line still unread; when the page filled, the rest of
        // the chunk is whole lines for the next page.
        if (data.indexOf(0x0a) === -1 && data.length > MAX_LINE) {
          rejected.push({ at: `byte ${offset}`, reason: tooLong });
          const skip = data.indexOf(0x0a);
          if (skip === -1) break; // the rest of the over-long line comes later; the cursor waits before it
          offset += skip + 1;
          data = data.subarray(skip + 1);
        }
        carry = Buffer.from(data);
      }
    } finally {
      await file.close();
    }
    // A last line without its newline is still being written: it is read on a later run.
    return { records, rejected, cursor: { offset, ino: info.ino }, done: offset >= info.size || records.length + rejected.length < limit };
  }

  async close(): Promise<void> {}

  private parseLine(line: Buffer, at: string): SourceRecord | RejectedRecord {
    const text = this.decode(line).replace(/\r$/, '');
    let fields: string[];
    try {
      fields = (parse(text, { relax_column_count: true }) as string[][])[0] ?? [];
    } catch (error) {
      return { at, reason: `not CSV: ${(error as Error).message.slice(0, 200)}` };
    }
    if (fields.length !== this.columns.length) {
      return { at, reason: `${fields.length} columns, expected ${this.columns.length} (check loguniqueid/loguserfield/newcdrcolumns)` };
    }
    const row = Object.fromEntries(this.columns.map((name, i) => [name, fields[i]]));
    const fallbackKey = `line:${createHash('sha256').update(line).digest('hex').slice(0, 32)}`;
    const result = cdrToCall(row, this.zone, fallbackKey);
    if (!result.ok) return { at, reason: result.reason };
    const call = result.call;
    return {
      key: call.key,
      callUid: call.callUid,
      startedAt: call.startedAt,
      from: call.from,
      to: call.to,
      durationS: call.durationS,
      answered: call.answered,
      recording: this.config.recordings_dir && call.answered && call.uniqueid ? { kind: 'folder', localDay: call.localDay, basename: null, uniqueid: call.uniqueid } : null,
      raw: { cdr: row },
    };
  }

  private decode(line: Buffer): string {
    if (this.config.encoding === 'windows-1251') return this.cp1251.decode(line);
    try {
      return this.utf8.decode(line);
    } catch {
      if (this.config.encoding === 'auto') return this.cp1251.decode(line);
      return new TextDecoder('utf-8').decode(line);
    }
  }

  private async statFile() {
    try {
      const info = await stat(this.config.path);
      if (!info.isFile()) throw new SourceUnreachable(`${this.config.path} is not a file`);
      return info;
    } catch (error) {
      if (error instanceof SourceUnreachable) throw error;
      throw new SourceUnreachable(`cannot read ${this.config.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
    }
  }
}
