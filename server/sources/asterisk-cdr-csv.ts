// Asterisk cdr_csv's Master.csv: appended lines, no header, cdr.conf's flags decide the optional
// columns. The cursor names the file being read (device, inode, a hash of its first bytes) and the byte
// offset after the last whole line read; a run with nothing new reads nothing. A rotated file is found
// again among its rotated names (see rotated-file.ts) and finished before the new Master.csv is read
// from its start; a truncated or replaced file is read again from its start.
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { cdrToCall, csvColumns, type CsvColumnFlags } from '../domain/asterisk-cdr.js';
import { SourceUnreachable, type Cursor, type PullPage, type PullSource, type RejectedRecord, type SourceRecord } from './port.js';
import { continues, findRotated, headHash, sameFile, type FileRef } from './rotated-file.js';

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

/** Where a page starts: the live Master.csv, or a rotated one with lines still unread. */
interface Place extends FileRef {
  offset: number;
  /** A rotated file gets no more lines: its last line counts even without a newline. */
  rotated: boolean;
}

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
    let live: FileRef;
    try {
      live = { path: this.config.path, info: await this.statFile() };
    } catch (error) {
      // Moved away by logrotate and not created again before the next CDR: the rotated file is still read.
      const rotated = cursor && isMissing(error) ? await this.rotatedFile(cursor, null) : null;
      if (!rotated) throw error;
      const page = await this.readPage(rotated, limit);
      return { records: page.records, rejected: page.rejected, cursor: page.cursor, done: page.offset >= rotated.info.size || !this.full(page, limit) };
    }
    const place = await this.locate(cursor, live);
    const page = await this.readPage(place, limit);
    if (place.rotated && page.offset >= place.info.size) {
      // The rotated file is finished: the next page starts the live file.
      return { records: page.records, rejected: page.rejected, cursor: await this.cursorAt(live, 0), done: false };
    }
    return { records: page.records, rejected: page.rejected, cursor: page.cursor, done: !place.rotated && (page.offset >= place.info.size || !this.full(page, limit)) };
  }

  private full(page: { records: unknown[]; rejected: unknown[] }, limit: number): boolean {
    return page.records.length + page.rejected.length >= limit;
  }

  /**
   * The file and offset the cursor names: the live file when it is still the one read (same inode, at
   * least as long, same first bytes); else that file under a rotated name (moved, or copied before a
   * copytruncate) when it has lines left; else the live file from its start.
   */
  private async locate(cursor: Cursor | null, live: FileRef): Promise<Place> {
    const start: Place = { ...live, offset: 0, rotated: false };
    const at = cursor && position(cursor);
    if (!cursor || !at) return start;
    if (sameFile(cursor, live.info) && (await continues(live, at.offset, at.head))) return { ...live, offset: at.offset, rotated: false };
    const rotated = await this.rotatedFile(cursor, live);
    return rotated && rotated.offset < rotated.info.size ? rotated : start;
  }

  /** The file the cursor names under a rotated name, at the cursor's offset (possibly its end). */
  private async rotatedFile(cursor: Cursor, live: FileRef | null): Promise<Place | null> {
    const at = position(cursor);
    if (!at) return null;
    const found = await findRotated(this.config.path, live?.info ?? null, cursor, at.offset, at.head);
    return found && { ...found, offset: at.offset, rotated: true };
  }

  private async readPage(place: Place, limit: number) {
    const records: SourceRecord[] = [];
    const rejected: RejectedRecord[] = [];
    const size = place.info.size;
    const where = place.rotated ? `${path.basename(place.path)} byte ` : 'byte ';
    let offset = place.offset;
    const file = await open(place.path, 'r');
    try {
      const buffer = Buffer.alloc(CHUNK);
      let carry = Buffer.alloc(0);
      let position = offset;
      /** In a rotated file, the rest of an over-long line already rejected is passed over. */
      let skipping = false;
      while ((skipping || records.length + rejected.length < limit) && position < size) {
        const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK, size - position), position);
        if (bytesRead === 0) break;
        position += bytesRead;
        let data = Buffer.concat([carry, buffer.subarray(0, bytesRead)]);
        // The last line of a rotated file ends where the file does.
        if (place.rotated && position >= size && data.length > 0 && data[data.length - 1] !== 0x0a) data = Buffer.concat([data, Buffer.from('\n')]);
        let newline: number;
        if (skipping) {
          newline = data.indexOf(0x0a);
          const skipped = newline === -1 ? data.length : newline + 1;
          offset = Math.min(offset + skipped, size);
          data = data.subarray(skipped);
          skipping = newline === -1;
        }
        while (records.length + rejected.length < limit && (newline = data.indexOf(0x0a)) !== -1) {
          const line = data.subarray(0, newline);
          const at = `${where}${offset}`;
          offset = Math.min(offset + newline + 1, size);
          data = data.subarray(newline + 1);
          if (line.length === 0 || (line.length === 1 && line[0] === 0x0d)) continue;
          const result = line.length > MAX_LINE ? { at, reason: tooLong } : this.parseLine(line, at);
          if ('reason' in result) rejected.push({ ...result, raw: this.decode(line.subarray(0, MAX_LINE)) });
          else records.push(result);
        }
        // Only a remainder that holds no newline is a line still unread; when the page filled, the rest of
        // the chunk is whole lines for the next page.
        if (data.indexOf(0x0a) === -1 && data.length > MAX_LINE) {
          rejected.push({ at: `${where}${offset}`, reason: tooLong });
          if (!place.rotated) break; // the rest of the over-long line comes later; the cursor waits before it
          offset += data.length;
          data = data.subarray(data.length);
          skipping = true;
        }
        carry = Buffer.from(data);
      }
      // A last line without its newline is still being written: it is read on a later run.
      return { records, rejected, offset, cursor: { offset, ino: place.info.ino, dev: place.info.dev, head: (await headHash(file, offset)) ?? '' } };
    } finally {
      await file.close();
    }
  }

  private async cursorAt(ref: FileRef, offset: number): Promise<Cursor> {
    const file = await open(ref.path, 'r');
    try {
      return { offset, ino: ref.info.ino, dev: ref.info.dev, head: (await headHash(file, offset)) ?? '' };
    } finally {
      await file.close();
    }
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

/** The offset and first-bytes hash a cursor holds, or null for a cursor that names no place. */
function position(cursor: Cursor): { offset: number; head: string | null } | null {
  const offset = Number(cursor.offset);
  if (!Number.isSafeInteger(offset) || offset < 0) return null;
  return { offset, head: typeof cursor.head === 'string' ? cursor.head : null };
}

/** Master.csv is not there at all (rather than unreadable). */
const isMissing = (error: unknown) => error instanceof SourceUnreachable && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
