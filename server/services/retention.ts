// Use case: storage limitation. The admin sets how long recordings, transcripts and communications are
// kept (a default and per-integration periods; null keeps forever); a purge deletes recording files,
// blanks transcripts and message texts, deletes communications past their age and queues them for the
// search index — in short transactions of `batchSize` rows that skip rows being written, so ingest goes on.
// One purge runs at a time in the installation (an advisory lock): a second one returns at once.
import { sql } from 'kysely';
import { Unprocessable } from '../domain/errors.js';
import type { Executor } from '../db/repositories/executor.js';
import { listIntegrations } from '../db/repositories/integrations.js';
import { recordDetails } from '../db/repositories/job-runs.js';
import { deleteClients } from '../db/repositories/erasure.js';
import { deleteUnlinkedMedia } from '../db/repositories/media.js';
import { enqueue } from '../db/repositories/outbox.js';
import {
  blankTexts,
  claimDue,
  claimStaleClients,
  countDue,
  countStaleClients,
  countExpiredActs,
  deleteCommunications,
  deleteExpiredActs,
  loadRetention,
  saveRetention,
  unlinkRecordings,
  type Cutoffs,
  type PurgeCategory,
  type RetentionPeriods,
  type RuleScope,
} from '../db/repositories/retention.js';
import type { MediaStore } from '../media/port.js';


/** The settings as the API shows them: integration id → periods in a null-prototype object. */
export interface RetentionView {
  default: RetentionPeriods;
  integrations: Record<string, RetentionPeriods>;
}

export interface PurgeCounts {
  communications: number;
  recordings: number;
  /** Recording files removed from the media store (calls sharing one file count once). */
  files: number;
  transcripts: number;
  /** Clients not seen within the communications period whose communications are all gone. */
  clients: number;
  erasure_acts: number;
}

export interface PurgeReport {
  dry_run: boolean;
  started_at: string;
  finished_at: string;
  counts: PurgeCounts;
}

export interface PurgeProgress {
  done: number;
  total: number;
}

export interface RetentionOptions {
  /** Rows per transaction (default 1,000). */
  batchSize?: number;
  /** The clock (tests move it). */
  now?: () => Date;
  /** Called with each finished purge (not a dry run), after its lock is released: the audit log's `retention.purged`. */
  onPurged?: (report: PurgeReport) => Promise<void>;
}

/** The job name whose record keeps the last purge's counts. */
export const RETENTION_JOB = 'retention';
const LOCK = 'earshot:retention';
const DAY_MS = 86_400_000;
const CATEGORIES: PurgeCategory[] = ['communications', 'recordings', 'transcripts'];
const RECORDING_PURGED = 'recording deleted by the retention policy';

interface Rule {
  scope: RuleScope;
  cutoffs: Cutoffs;
}

const cutoffOf = (now: Date, days: number | null): Date | undefined => (days === null ? undefined : new Date(now.getTime() - days * DAY_MS));
const emptyCounts = (): PurgeCounts => ({ communications: 0, recordings: 0, files: 0, transcripts: 0, clients: 0, erasure_acts: 0 });
const rowsOf = (c: PurgeCounts) => c.communications + c.recordings + c.transcripts + c.clients;

export class Retention {
  private readonly batchSize: number;
  private readonly now: () => Date;
  private readonly onPurged: (report: PurgeReport) => Promise<void>;

  constructor(
    private readonly db: Executor,
    private readonly store: MediaStore,
    options: RetentionOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 1000;
    this.now = options.now ?? (() => new Date());
    this.onPurged = options.onPurged ?? (async () => {});
  }

  async settings(): Promise<RetentionView> {
    const stored = await loadRetention(this.db);
    return { default: stored.default, integrations: Object.assign(Object.create(null) as Record<string, RetentionPeriods>, Object.fromEntries(stored.integrations)) };
  }

  /** Replaces the settings; every integration key must name an existing integration (422 at its path otherwise). */
  async update(settings: { default: RetentionPeriods; integrations: Map<string, RetentionPeriods> }): Promise<RetentionView> {
    const known = new Set((await listIntegrations(this.db)).map((i) => i.id));
    const unknown = [...settings.integrations.keys()].filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new Unprocessable(
        'validation_failed',
        'retention names integrations that do not exist',
        unknown.map((id) => ({ path: `integrations.${id}`, code: 'integration_not_found', message: 'no integration has this id' })),
      );
    }
    await this.db.transaction().execute((trx) => saveRetention(trx, settings));
    return this.settings();
  }

  /** Counts what a purge would take now, without changing anything. */
  preview(): Promise<PurgeCounts> {
    return this.count(this.db, this.now());
  }

  /**
   * Purges (or, dry, counts) everything past its age. Undefined when another purge holds the lock.
   * Resumable: each batch commits on its own, so a purge cut short is finished by the next one. All of it
   * runs on the one connection that holds the lock: the purge takes one connection from the pool, and the
   * embedded database (one connection) does not wait on itself.
   */
  async purge(options: { dryRun?: boolean; onProgress?: (progress: PurgeProgress) => void } = {}): Promise<PurgeReport | undefined> {
    const report = await this.purgeUnderLock(options);
    if (report && !report.dry_run) await this.onPurged(report);
    return report;
  }

  private purgeUnderLock(options: { dryRun?: boolean; onProgress?: (progress: PurgeProgress) => void }): Promise<PurgeReport | undefined> {
    return this.db.connection().execute(async (connection) => {
      const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(hashtext(${LOCK})) AS locked`.execute(connection);
      if (!rows[0]?.locked) return undefined;
      try {
        return await this.purgeLocked(connection, options.dryRun ?? false, options.onProgress);
      } finally {
        await sql`SELECT pg_advisory_unlock(hashtext(${LOCK}))`.execute(connection);
      }
    });
  }

  private async count(db: Executor, now: Date): Promise<PurgeCounts> {
    const counts = emptyCounts();
    for (const rule of await this.rules(db, now)) {
      for (const category of CATEGORIES) counts[category] += await countDue(db, category, rule.scope, rule.cutoffs);
      if (rule.cutoffs.communications) counts.clients += await countStaleClients(db, rule.scope, rule.cutoffs.communications);
    }
    counts.erasure_acts = await countExpiredActs(db, now);
    return counts;
  }

  private async purgeLocked(db: Executor, dryRun: boolean, onProgress?: (progress: PurgeProgress) => void): Promise<PurgeReport> {
    const started = this.now();
    const planned = await this.count(db, started);
    const total = rowsOf(planned);
    if (dryRun) {
      onProgress?.({ done: total, total });
      return { dry_run: true, started_at: started.toISOString(), finished_at: this.now().toISOString(), counts: { ...planned, files: 0 } };
    }
    const counts = emptyCounts();
    const report = () => onProgress?.({ done: rowsOf(counts), total: Math.max(total, rowsOf(counts)) });
    for (const rule of await this.rules(db, started)) {
      for (const category of CATEGORIES) {
        for (;;) {
          const batch = await this.purgeBatch(db, category, rule);
          counts[category] += batch.rows;
          counts.files += batch.files;
          if (batch.rows > 0) report();
          if (batch.rows < this.batchSize) break;
        }
      }
      const cutoff = rule.cutoffs.communications;
      for (let deleted = this.batchSize; cutoff && deleted === this.batchSize; ) {
        deleted = await db.transaction().execute(async (trx) => {
          const ids = await claimStaleClients(trx, rule.scope, cutoff, this.batchSize);
          await deleteClients(trx, ids);
          return ids.length;
        });
        counts.clients += deleted;
        if (deleted > 0) report();
      }
    }
    report();
    counts.erasure_acts = await deleteExpiredActs(db, started);
    const result: PurgeReport = { dry_run: false, started_at: started.toISOString(), finished_at: this.now().toISOString(), counts };
    await this.recordPurged(db, result);
    return result;
  }

  /**
   * A finished purge's counts kept on the retention job's record, which the admin reads (the audit log's
   * `retention.purged` entry is written by onPurged once the lock is released).
   */
  private async recordPurged(db: Executor, report: PurgeReport): Promise<void> {
    await recordDetails(db, RETENTION_JOB, { action: 'retention.purged', ...report });
  }

  /** One short transaction: lock up to batchSize due rows (skipping locked ones), change them, remove their unlinked files. */
  private purgeBatch(db: Executor, category: PurgeCategory, rule: Rule): Promise<{ rows: number; files: number }> {
    return db.transaction().execute(async (trx) => {
      const batch = await claimDue(trx, category, rule.scope, rule.cutoffs, this.batchSize);
      const ids = batch.map((row) => row.id);
      if (ids.length === 0) return { rows: 0, files: 0 };
      if (category === 'communications') await deleteCommunications(trx, ids);
      else if (category === 'recordings') await unlinkRecordings(trx, ids, RECORDING_PURGED);
      else await blankTexts(trx, ids);
      if (category !== 'recordings') await enqueue(trx, ids.map((id) => ({ topic: 'search' as const, key: id, payload: { communication_id: id } })));
      const hashes = await deleteUnlinkedMedia(trx, batch.flatMap((row) => (row.media_id ? [row.media_id] : [])));
      // Inside the transaction, while the media rows are locked: a call bringing the same bytes waits, then stores them anew.
      for (const sha256 of hashes) await this.store.remove(sha256);
      return { rows: ids.length, files: hashes.length };
    });
  }

  /** One rule per integration with its own periods, and the default for all the others. */
  private async rules(db: Executor, now: Date): Promise<Rule[]> {
    const stored = await loadRetention(db);
    const rule = (scope: RuleScope, periods: RetentionPeriods): Rule => ({
      scope,
      cutoffs: { recordings: cutoffOf(now, periods.recordings_days), transcripts: cutoffOf(now, periods.transcripts_days), communications: cutoffOf(now, periods.communications_days) },
    });
    return [...[...stored.integrations].map(([integrationId, periods]) => rule({ integrationId }, periods)), rule({ exceptIntegrations: [...stored.integrations.keys()] }, stored.default)];
  }
}
