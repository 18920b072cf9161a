// The PullSource port: a PBX's call records read page by page after a cursor, each with a reference to
// its recording. Adapters: asterisk-cdr-csv, asterisk-cdr-sql, asterisk-ari, oktell-http.

/** Where a record's recording is: a file in the source's recordings folder, or a URL to download. */
export type RecordingRef =
  | { kind: 'folder'; localDay: string; basename: string | null; uniqueid: string | null }
  | { kind: 'url'; url: string; headers: Record<string, string> };

export interface SourceRecord {
  /** Stable per source: the same record read again has the same key (re-runs never duplicate). */
  key: string;
  /** The call's uid in earshot (legs of one call share it). */
  callUid: string;
  startedAt: Date;
  /** The two parties as the PBX names them (extensions or numbers); one should be an operator. */
  from: string | null;
  to: string | null;
  /** Other names of the caller and the called party (an agent in dstchannel, cnum), tried after from/to. */
  aliases?: { from: string[]; to: string[] };
  durationS: number | null;
  answered: boolean;
  recording: RecordingRef | null;
  /** The record as read, kept in the call's raw body. */
  raw: Record<string, unknown>;
}

export interface RejectedRecord {
  /** Where in the source (line number, row key) the unreadable record sits. */
  at: string;
  reason: string;
  /** The record as read (a CSV line, a row as JSON), kept with the rejection so an admin sees what was refused. */
  raw?: string;
}

export type Cursor = Record<string, string | number>;

export interface PullPage {
  records: SourceRecord[];
  rejected: RejectedRecord[];
  /** The cursor after this page; stored once the page is written, so a crash re-reads at most one page. */
  cursor: Cursor | null;
  /** True when the source has nothing more right now. */
  done: boolean;
}

export interface PullSource {
  /** Reads the source once cheaply; throws SourceUnreachable when the file, database or server cannot be read. */
  check(): Promise<void>;
  read(cursor: Cursor | null, limit: number): Promise<PullPage>;
  /**
   * Only for sources read in start-time order: the next read (given no cursor) starts at the first record
   * started at or after `time`, for a re-pull of a time window. Others are read from their beginning.
   */
  startAt?(time: Date): void;
  close(): Promise<void>;
}

/** The source cannot be read right now (file missing, database or server down). */
export class SourceUnreachable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SourceUnreachable';
  }
}
