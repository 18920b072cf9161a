// The audit log service: requests hand their entry to one group-commit writer and wait until its batch is
// committed (so the entry exists before the data is returned, at the cost of one commit per batch), admins
// page and export the log, and `verify` walks the hash chain.
import { randomUUID } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { entryHash, GENESIS_HASH, type AuditAction, type AuditActor, type AuditTarget } from '../domain/audit-chain.js';
import { Unprocessable } from '../domain/errors.js';
import { appendAuditEntries, auditEntriesAfter, countAuditEntries, listAuditEntries, type AuditFilter, type AuditRow, type NewAuditEntry } from '../db/repositories/audit-log.js';
import type { Executor } from '../db/repositories/executor.js';
import { GroupCommitter } from './group-commit.js';

/** What a request knows about itself when it records an entry. */
export interface AuditRequest {
  actor: AuditActor;
  ip: string;
  userAgent: string;
}

/** Records entries for one request; the http layer makes one per request (`c.var.audit`). */
export interface RequestAudit {
  record(action: AuditAction, target?: AuditTarget, details?: Record<string, unknown>, actor?: AuditActor): Promise<void>;
  /** `recording.played`, once per actor and recording per 10 minutes (a player's Range requests are one playback). */
  recordPlayback(recording: AuditTarget): Promise<void>;
}

export interface AuditEntryView {
  id: string;
  at: string;
  actor: AuditActor;
  action: string;
  target?: AuditTarget;
  ip: string;
  user_agent: string;
  details: Record<string, unknown>;
}

export type AuditQuery = Omit<AuditFilter, 'beforeSeq'> & { cursor?: string; limit: number };

export interface ChainCheck {
  checked: number;
  /** The first entry whose sequence number, previous hash or own hash is wrong. */
  broken?: { seq: number; id: string; reason: 'sequence_gap' | 'previous_hash_mismatch' | 'hash_mismatch'; expected: string; found: string };
  head?: { seq: number; hash: string };
}

/** Writes batches of entries; `discard` stands in where a benchmark measures the cost of auditing. */
export type AuditWriter = (entries: NewAuditEntry[]) => Promise<void>;

const CSV_COLUMNS = ['id', 'at', 'actor_type', 'actor_id', 'actor_email', 'action', 'target_type', 'target_id', 'ip', 'user_agent', 'details'];
const CSV_PAGE = 1000;
const PLAYBACK_WINDOW_MS = 10 * 60_000;
const PLAYBACK_KEYS_LIMIT = 50_000;
const VERIFY_PAGE = 5000;

export class AuditLog {
  private readonly writer: GroupCommitter<NewAuditEntry, void>;
  /** Until when a playback by actor and recording is already recorded. */
  private readonly playedUntil = new Map<string, number>();

  constructor(
    private readonly db: Executor,
    write: AuditWriter = (entries) => appendAuditEntries(db, entries),
  ) {
    // One batch in flight per process: entries queue behind it and go in the next commit together.
    this.writer = new GroupCommitter<NewAuditEntry, void>({
      run: async (batch) => {
        await write(batch);
        return batch.map(() => undefined);
      },
      keyOf: (entry) => entry.id,
      maxBatch: 500,
      maxInFlight: 1,
    });
  }

  static discard: AuditWriter = async () => {};

  /** Resolves once the entry is committed. */
  record(request: AuditRequest, action: AuditAction, target?: AuditTarget, details: Record<string, unknown> = {}): Promise<void> {
    return this.writer.submit({ id: randomUUID(), at: new Date(), actor: request.actor, action, target: target ?? null, ip: request.ip, userAgent: request.userAgent, details });
  }

  /**
   * `recording.played` unless the same actor (a signed URL's: the same address and user agent) played the
   * recording within the last 10 minutes. The window is taken before the write, so concurrent Range
   * requests of one player make one entry.
   */
  async recordPlayback(request: AuditRequest, recording: AuditTarget): Promise<void> {
    const who = request.actor.id ?? `${request.ip} ${request.userAgent}`;
    const key = `${request.actor.type}\n${who}\n${recording.type}\n${recording.id}`;
    const now = Date.now();
    if ((this.playedUntil.get(key) ?? 0) > now) return;
    if (this.playedUntil.size >= PLAYBACK_KEYS_LIMIT) {
      for (const [k, until] of this.playedUntil) if (until <= now) this.playedUntil.delete(k);
      if (this.playedUntil.size >= PLAYBACK_KEYS_LIMIT) this.playedUntil.clear();
    }
    this.playedUntil.set(key, now + PLAYBACK_WINDOW_MS);
    try {
      await this.record(request, 'recording.played', recording);
    } catch (error) {
      this.playedUntil.delete(key);
      throw error;
    }
  }

  async list(query: AuditQuery): Promise<{ items: AuditEntryView[]; next_cursor: string | null }> {
    const rows = await listAuditEntries(this.db, { ...query, beforeSeq: decodeCursor(query.cursor) }, query.limit + 1);
    const page = rows.slice(0, query.limit);
    return { items: page.map(entryView), next_cursor: rows.length > query.limit ? encodeCursor(page.at(-1)!.seq) : null };
  }

  /** The matching entries as a CSV download (a header line, then newest first), read page by page as it is sent. */
  csv(filter: Omit<AuditFilter, 'beforeSeq'>): ReadableStream<Uint8Array> {
    const chunks = this.csvChunks(filter);
    const encoder = new TextEncoder();
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
  }

  private async *csvChunks(filter: Omit<AuditFilter, 'beforeSeq'>): AsyncGenerator<string> {
    yield stringify([CSV_COLUMNS]);
    let beforeSeq: number | undefined;
    for (;;) {
      const rows = await listAuditEntries(this.db, { ...filter, beforeSeq }, CSV_PAGE);
      if (rows.length === 0) return;
      yield stringify(rows.map((r) => [r.id, r.at.toISOString(), r.actor_type, r.actor_id, r.actor_email, r.action, r.target_type, r.target_id, r.ip, r.user_agent, JSON.stringify(r.details)]));
      if (rows.length < CSV_PAGE) return;
      beforeSeq = rows.at(-1)!.seq;
    }
  }

  /** Walks the chain from the first entry; stops at the first broken one. */
  async verify(onProgress?: (checked: number, total: number) => void): Promise<ChainCheck> {
    const total = await countAuditEntries(this.db);
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    let checked = 0;
    for (;;) {
      const rows = await auditEntriesAfter(this.db, expectedSeq - 1, VERIFY_PAGE);
      for (const row of rows) {
        const broken = (reason: NonNullable<ChainCheck['broken']>['reason'], expected: string, found: string): ChainCheck => ({ checked, broken: { seq: row.seq, id: row.id, reason, expected, found } });
        if (row.seq !== expectedSeq) return broken('sequence_gap', String(expectedSeq), String(row.seq));
        if (row.prev_hash !== prevHash) return broken('previous_hash_mismatch', prevHash, row.prev_hash);
        const hash = entryHash(chainedOf(row));
        if (hash !== row.hash) return broken('hash_mismatch', hash, row.hash);
        prevHash = row.hash;
        expectedSeq += 1;
        checked += 1;
      }
      onProgress?.(checked, total);
      if (rows.length < VERIFY_PAGE) return { checked, ...(checked > 0 ? { head: { seq: expectedSeq - 1, hash: prevHash } } : {}) };
    }
  }
}

function actorOf(row: AuditRow): AuditActor {
  return { type: row.actor_type as AuditActor['type'], id: row.actor_id, ...(row.actor_email !== null ? { email: row.actor_email } : {}) };
}

function chainedOf(row: AuditRow) {
  return {
    seq: row.seq,
    id: row.id,
    at: row.at,
    actor: actorOf(row),
    action: row.action,
    target: row.target_type !== null && row.target_id !== null ? { type: row.target_type, id: row.target_id } : null,
    ip: row.ip,
    userAgent: row.user_agent,
    details: row.details,
    prevHash: row.prev_hash,
  };
}

function entryView(row: AuditRow): AuditEntryView {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: actorOf(row),
    action: row.action,
    ...(row.target_type !== null && row.target_id !== null ? { target: { type: row.target_type, id: row.target_id } } : {}),
    ip: row.ip,
    user_agent: row.user_agent,
    details: row.details,
  };
}

const encodeCursor = (seq: number): string => Buffer.from(`audit:${seq}`).toString('base64url');

function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const match = /^audit:([1-9]\d{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new Unprocessable('invalid_cursor', 'the cursor is not one this list returned', [{ path: 'cursor', code: 'invalid_cursor', message: 'not a cursor of this list' }]);
  return Number(match[1]);
}
