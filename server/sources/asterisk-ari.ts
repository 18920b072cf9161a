// Asterisk ARI stored recordings: GET /ari/recordings/stored lists {name, format}; each file is at
// /ari/recordings/stored/{name}/file. ARI keeps no call data, so the call is read from the name with a
// pattern (by default FreePBX's CALLFILENAME: type-to-from-YYYYMMDD-HHMMSS-uniqueid). ARI has no
// "since" filter: each run lists all names and the runner skips the ones it has seen (one indexed
// lookup per page).
import { z } from 'zod';
import { parseTimestamp } from '../domain/timestamps.js';
import { basicAuth, getJson } from './http-json.js';
import { SourceUnreachable, type Cursor, type PullPage, type PullSource, type RejectedRecord, type SourceRecord } from './port.js';

export interface AriConfig {
  url: string;
  username: string;
  password: string;
  name_pattern: string;
}

export const FREEPBX_NAME_PATTERN = '^(?<type>[^-]+)-(?<to>[^-]*)-(?<from>[^-]*)-(?<date>\\d{8})-(?<time>\\d{6})-(?<uniqueid>[\\d.]+)$';

const Listing = z.array(z.object({ name: z.string().min(1).max(1024), format: z.string().max(32) }));

export class AsteriskAri implements PullSource {
  private readonly pattern: RegExp;
  private listing: Array<{ name: string; format: string }> | undefined;
  private offset = 0;

  constructor(
    private readonly config: AriConfig,
    private readonly zone: string,
  ) {
    this.pattern = new RegExp(config.name_pattern);
  }

  async check(): Promise<void> {
    await this.list();
  }

  /** Walks this run's listing (sorted by name); no cursor is kept between runs, seen names are skipped. */
  async read(_cursor: Cursor | null, limit: number): Promise<PullPage> {
    const listing = await this.list();
    const start = this.offset;
    const page = listing.slice(start, start + limit);
    this.offset += page.length;
    const records: SourceRecord[] = [];
    const rejected: RejectedRecord[] = [];
    for (const item of page) {
      const record = this.toRecord(item.name, item.format);
      if ('reason' in record) rejected.push({ ...record, raw: JSON.stringify(item) });
      else records.push(record);
    }
    return { records, rejected, cursor: null, done: this.offset >= listing.length };
  }

  async close(): Promise<void> {}

  private async list() {
    if (this.listing) return this.listing;
    const parsed = Listing.safeParse(await getJson(`${this.base()}/recordings/stored`, basicAuth(this.config.username, this.config.password)));
    if (!parsed.success) throw new SourceUnreachable('ARI answered /recordings/stored with something other than a list of {name, format}');
    this.listing = parsed.data.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return this.listing;
  }

  private toRecord(name: string, format: string): SourceRecord | RejectedRecord {
    const basename = name.split('/').at(-1)!;
    const groups = this.pattern.exec(basename)?.groups;
    if (!groups) return { at: name, reason: 'the name does not match name_pattern' };
    const date = groups.date ?? '';
    const time = groups.time ?? '';
    const parsed = parseTimestamp(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4, 6)}`, this.zone);
    if (!parsed.ok) return { at: name, reason: `no start time in the name: ${parsed.message}` };
    return {
      key: `${name}.${format}`,
      callUid: groups.uniqueid || name,
      startedAt: parsed.date,
      from: groups.from || null,
      to: groups.to || null,
      durationS: null,
      answered: true,
      recording: { kind: 'url', url: `${this.base()}/recordings/stored/${encodeURIComponent(name)}/file`, headers: basicAuth(this.config.username, this.config.password) },
      raw: { ari: { name, format, ...groups } },
    };
  }

  private base(): string {
    return this.config.url.replace(/\/+$/, '');
  }
}
