// Use cases for PBX pull sources: define them (config checked against the real source at once), run
// one (page by page after its cursor: new records become calls, recordings are attached, records seen
// are logged so re-runs never duplicate; each run recorded in its history), re-pull the records of a time
// window, retry recordings that were not there yet, and re-pull recordings for a time window.
import { Conflict, DomainError, MediaTooLarge, NotFound, Unprocessable, type ErrorDetail } from '../domain/errors.js';
import type { Executor } from '../db/repositories/executor.js';
import { findCallId, markMediaFailed, type MediaRow } from '../db/repositories/media.js';
import { findOperatorsByExternalIds } from '../db/repositories/operators.js';
import * as repo from '../db/repositories/sources.js';
import type { SourceRecordValues, SourceRow } from '../db/repositories/sources.js';
import { FetchFailed } from '../media/downloader.js';
import { SOURCE_CONFIGS, type CreateSourceInput, type UpdateSourceInput } from '../sources/config.js';
import { maskSecrets, splitSecrets, unmaskPatch } from '../sources/secrets.js';
import type { OpenSource } from '../sources/open-source.js';
import { findInFolder, unreadableFolder } from '../sources/recordings-folder.js';
import { SourceUnreachable, type RecordingRef, type SourceRecord } from '../sources/port.js';
import type { CallIngest } from './call-ingest.js';
import type { Recordings } from './recordings.js';
import { sealConfig, withSecrets } from './source-secrets.js';
import { SourceRuns, type RunLog, type RunTrigger, type RunWindow } from './source-runs.js';
import { dryRunWindow, inWindow, pastWindow, RETAKEN_STATES, seekWindow } from './source-window.js';

export interface PullOptions {
  pageSize?: number;
  /** Records taken at once within a page (calls are group-committed, recordings copied in parallel). */
  concurrency?: number;
}

export interface RunStats {
  pages: number;
  read: number;
  seen_before: number;
  created: number;
  updated: number;
  missed: number;
  skipped: number;
  recordings: number;
  waiting: number;
  missing: number;
  rejected: number;
  rejected_samples: Array<{ at: string; reason: string }>;
  ms: number;
}

type Outcome = SourceRecordValues & { status?: 'created' | 'updated' };
type RecordingLookup = { media: MediaRow } | { notYet: string } | { never: string };

const LEASE_SECONDS = 300;
const WAITING_PER_RUN = 1_000;
const BULK_RUN_RECORDS = 5_000;

export class PullSources {
  private readonly listeners = new Set<() => void>();
  /** Every run's record: counts, status and the rows it rejected. */
  readonly runs: SourceRuns;

  constructor(
    private readonly db: Executor,
    private readonly callIngest: CallIngest,
    private readonly recordings: Recordings,
    private readonly open: OpenSource,
    private readonly secretKey: string,
    private readonly options: PullOptions = {},
  ) {
    this.runs = new SourceRuns(db);
  }

  /** Called after a source is created or changed (the job runner reschedules). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async create(input: CreateSourceInput) {
    const integration = await this.db.selectFrom('integrations').select('id').where('id', '=', input.integration_id).executeTakeFirst();
    if (!integration) throw invalid('integration_id', 'integration_not_found', 'no integration has this id', 'validation_failed');
    await this.check(input.kind, input.config);
    const row = await repo.insertSource(this.db, { ...input, ...sealConfig(this.secretKey, input.config) });
    this.changed();
    return view(withSecrets(this.secretKey, row));
  }

  async list() {
    return (await repo.listSources(this.db)).map((row) => view(withSecrets(this.secretKey, row)));
  }

  async get(id: string) {
    return view(await this.row(id));
  }

  /** Active sources with their schedules, for the job runner. */
  async schedules(): Promise<Array<{ id: string; schedule: string }>> {
    return (await repo.listSources(this.db)).filter((s) => s.active).map((s) => ({ id: s.id, schedule: s.schedule }));
  }

  /** A config patch is merged into the stored config and the whole is checked again. */
  async update(id: string, patch: UpdateSourceInput) {
    const current = await this.row(id);
    let config: Record<string, unknown> | undefined;
    if (patch.config) {
      const stored = splitSecrets(current.config).secrets;
      const parsed = SOURCE_CONFIGS[current.kind].safeParse({ ...current.config, ...unmaskPatch(patch.config, stored) });
      if (!parsed.success) {
        throw new Unprocessable(
          'validation_failed',
          'the request failed validation',
          parsed.error.issues.map((i) => ({ path: ['config', ...i.path].join('.'), code: 'invalid_value', message: i.message })),
        );
      }
      config = parsed.data as Record<string, unknown>;
      await this.check(current.kind, config);
    }
    const row = await repo.updateSource(this.db, id, { ...patch, ...(config ? sealConfig(this.secretKey, config) : {}) });
    this.changed();
    return view(withSecrets(this.secretKey, row!));
  }

  /** Runs a source now; 409 when a run of it is under way (here or in another process). */
  async run(id: string, trigger: Exclude<RunTrigger, 'repull'> = 'manual'): Promise<RunStats> {
    return this.pull(await this.row(id), trigger);
  }

  /**
   * Reads the records started in [from, to) again, from the window's start and not the cursor (which
   * stays): records never read, or skipped before, are taken now; imported ones are seen before, so a
   * re-pull is idempotent. `dryRun` reads and counts, writing nothing.
   */
  async repullWindow(id: string, window: RunWindow, dryRun: boolean) {
    const source = await this.row(id);
    if (!dryRun) return this.pull(source, 'repull', window);
    const adapter = this.open(source);
    try {
      return await dryRunWindow(this.db, source.id, adapter, window, this.options.pageSize ?? 500);
    } finally {
      await adapter.close();
    }
  }

  private async pull(source: SourceRow, trigger: RunTrigger, window?: RunWindow): Promise<RunStats> {
    const id = source.id;
    if (!(await repo.takeRunLease(this.db, id, LEASE_SECONDS))) throw new Conflict('source_running', 'this source is being pulled right now');
    const stats: RunStats = { pages: 0, read: 0, seen_before: 0, created: 0, updated: 0, missed: 0, skipped: 0, recordings: 0, waiting: 0, missing: 0, rejected: 0, rejected_samples: [], ms: 0 };
    const started = performance.now();
    const adapter = this.open(source);
    // Declared out here so a failed run is recorded too; started inside the try so the lease is released if it cannot be.
    let log: RunLog | undefined;
    try {
      const history = (log = await this.runs.start(id, trigger, window));
      if (!window) await this.retryWaiting(source, stats);
      let cursor = window ? seekWindow(adapter, window) : source.cursor;
      for (;;) {
        const page = await adapter.read(cursor, this.options.pageSize ?? 500);
        const records = window ? page.records.filter(inWindow(window)) : page.records;
        stats.pages++;
        stats.read += records.length;
        stats.rejected += page.rejected.length;
        stats.rejected_samples.push(...page.rejected.slice(0, 10 - stats.rejected_samples.length));
        const outcomes = await this.takePage(source, records, stats, window ? RETAKEN_STATES : []);
        // The page's log, its rejections and the cursor after it are written together: a crash re-reads at most this page.
        await this.db.transaction().execute(async (trx) => {
          await repo.saveRecords(trx, source.id, outcomes);
          if (!window) await repo.saveCursor(trx, source.id, page.cursor);
          await history.page(trx, page.rejected, outcomes);
        });
        cursor = page.cursor;
        await repo.extendRunLease(this.db, id, LEASE_SECONDS);
        if (page.done || (window && pastWindow(adapter, page, window))) break;
      }
      // After a bulk pull the planner's row counts for this source are far off until autovacuum catches
      // up, and it would scan the whole source log per page instead of probing keys.
      if (stats.read >= BULK_RUN_RECORDS) await repo.analyzeRecordLog(this.db);
      stats.ms = Math.round(performance.now() - started);
      await repo.finishRun(this.db, id, { ...stats }, null);
      await history.finish({ ...stats }, null);
      return stats;
    } catch (error) {
      stats.ms = Math.round(performance.now() - started);
      const reason = error instanceof SourceUnreachable ? error.message : `run failed: ${(error as Error).message}`;
      await repo.finishRun(this.db, id, { ...stats }, reason.slice(0, 2000));
      await log?.finish({ ...stats }, reason.slice(0, 2000));
      throw error;
    } finally {
      await adapter.close();
    }
  }

  /**
   * Looks again for the recordings of records started in [from, to) that are waiting or missing.
   * Resumable: records found become done and are not looked at again; `dryRun` only counts.
   */
  async repull(id: string, window: { from: Date; to: Date }, options: { dryRun: boolean; onProgress?: (done: number, total: number) => void }) {
    const source = await this.row(id);
    const total = await repo.countToRepull(this.db, id, window.from, window.to);
    const report = { total, found: 0, still_missing: 0 };
    let done = 0;
    let after = '';
    for (;;) {
      const batch = await repo.recordsToRepull(this.db, id, window.from, window.to, after, 200);
      if (batch.length === 0) break;
      for (const record of batch) {
        after = record.record_key;
        if (!options.dryRun) {
          const lookup = await this.lookupRecording(source, record.recording as RecordingRef);
          if ('media' in lookup) {
            await this.recordings.attach(record.communication_id, lookup.media);
            await repo.setRecordState(this.db, id, record.record_key, 'done', null);
            report.found++;
          } else report.still_missing++;
        }
        options.onProgress?.(++done, total);
      }
    }
    return report;
  }

  private async takePage(source: SourceRow, records: SourceRecord[], stats: RunStats, retaken: ReadonlyArray<SourceRecordValues['state']> = []): Promise<Outcome[]> {
    const known = await repo.knownRecordKeys(this.db, source.id, records.map((r) => r.key), retaken);
    const fresh = new Map<string, SourceRecord>();
    for (const record of records) {
      if (known.has(record.key) || fresh.has(record.key)) stats.seen_before++;
      else fresh.set(record.key, record);
    }
    // Own keys only: a PBX party named "constructor" or "__proto__" must not resolve to a prototype member.
    const map = (source.config.extension_map ?? {}) as Record<string, string>;
    const operatorOf = (party: string | null) => (party ? (Object.hasOwn(map, party) ? map[party]! : party) : null);
    const candidates = [...fresh.values()].flatMap((r) => [operatorOf(r.from), operatorOf(r.to)]).filter((x): x is string => x !== null);
    const operators = new Set((await findOperatorsByExternalIds(this.db, [...new Set(candidates)])).filter((o) => o.active).map((o) => o.external_id));

    // Legs of one call (same linkedid) are taken as one: the longest answered leg speaks for the call.
    const calls = new Map<string, SourceRecord[]>();
    for (const record of fresh.values()) calls.set(record.callUid, [...(calls.get(record.callUid) ?? []), record]);
    const queue = [...calls.values()];
    const outcomes: Outcome[] = [];
    const worker = async () => {
      for (let legs = queue.shift(); legs; legs = queue.shift()) {
        const lead = legs.reduce((best, leg) => (rank(leg) > rank(best) ? leg : best));
        const outcome = await this.take(source, lead, operatorOf, operators);
        outcomes.push(outcome);
        count(stats, outcome, lead);
        for (const leg of legs) {
          if (leg === lead) continue;
          outcomes.push({ record_key: leg.key, started_at: leg.startedAt, recording: null, communication_id: outcome.communication_id, state: outcome.state === 'skipped' ? 'skipped' : 'done', detail: `another leg of call ${leg.callUid}` });
        }
      }
    };
    await Promise.all(Array.from({ length: this.options.concurrency ?? 32 }, worker));
    return outcomes;
  }

  private async take(source: SourceRow, record: SourceRecord, operatorOf: (p: string | null) => string | null, operators: Set<string>): Promise<Outcome> {
    const base = { record_key: record.key, started_at: record.startedAt, recording: null, communication_id: null };
    const fromOperator = operatorOf(record.from);
    const toOperator = operatorOf(record.to);
    const [operator, direction, client] =
      fromOperator && operators.has(fromOperator)
        ? [fromOperator, 'outcoming' as const, record.to]
        : toOperator && operators.has(toOperator)
          ? [toOperator, 'incoming' as const, record.from]
          : [null, null, null];
    if (!operator) return { ...base, state: 'skipped', detail: `no active operator is ${record.from ?? '?'} or ${record.to ?? '?'} (operator external_id or extension_map)` };

    // A missed leg of a call already taken (another leg answered) adds nothing.
    if (!record.answered) {
      const existing = await findCallId(this.db, source.integration_id, record.callUid);
      if (existing) return { ...base, communication_id: existing, state: 'done', detail: 'missed leg of a known call' };
    }
    const tags = record.answered ? [] : ['missed'];
    let result;
    try {
      result = await this.callIngest.ingest(
        { operator_id: operator, started_at: record.startedAt.toISOString(), uid: record.callUid, direction, duration: record.durationS, client_phone_number: client, tags },
        { ...record.raw, source_id: source.id, tags },
        { id: source.integration_id, defaultTimezone: null },
      );
    } catch (error) {
      if (error instanceof DomainError) return { ...base, state: 'skipped', detail: error.message };
      throw error;
    }
    const taken = { ...base, communication_id: result.id, status: result.status };
    if (!record.answered || !record.recording) return { ...taken, state: 'done', detail: record.answered ? null : 'missed' };
    const lookup = await this.lookupRecording(source, record.recording);
    if ('media' in lookup) {
      await this.recordings.attach(result.id, lookup.media);
      return { ...taken, state: 'done', detail: null };
    }
    const waitMinutes = Number(source.config.recording_wait_minutes ?? 0);
    const reason = 'never' in lookup ? lookup.never : lookup.notYet;
    if ('never' in lookup || waitMinutes === 0) {
      await markMediaFailed(this.db, result.id, 'missing', reason);
      return { ...taken, recording: record.recording, state: 'missing', detail: reason };
    }
    return { ...taken, recording: record.recording, state: 'waiting', detail: reason };
  }

  private async retryWaiting(source: SourceRow, stats: RunStats): Promise<void> {
    const waitMs = Number(source.config.recording_wait_minutes ?? 0) * 60_000;
    for (const record of await repo.waitingRecords(this.db, source.id, WAITING_PER_RUN)) {
      const lookup = await this.lookupRecording(source, record.recording as RecordingRef);
      if ('media' in lookup) {
        await this.recordings.attach(record.communication_id, lookup.media);
        await repo.setRecordState(this.db, source.id, record.record_key, 'done', null);
        stats.recordings++;
      } else if ('never' in lookup || Date.now() - record.first_seen_at.getTime() >= waitMs) {
        const reason = 'never' in lookup ? lookup.never : `${lookup.notYet}; gave up after ${record.attempts + 1} attempts`;
        await repo.setRecordState(this.db, source.id, record.record_key, 'missing', reason);
        await markMediaFailed(this.db, record.communication_id, 'missing', reason);
        stats.missing++;
      } else {
        await repo.setRecordState(this.db, source.id, record.record_key, 'waiting', lookup.notYet);
      }
    }
  }

  private async lookupRecording(source: SourceRow, ref: RecordingRef): Promise<RecordingLookup> {
    if (ref.kind === 'folder') {
      const root = source.config.recordings_dir;
      if (typeof root !== 'string') return { never: 'the source has no recordings_dir' };
      const found = await findInFolder(root, ref, Number(source.config.settle_seconds ?? 0));
      if ('unsafe' in found) return { never: found.unsafe };
      if ('notYet' in found) return found;
      return { media: await this.recordings.importFile(found.found) };
    }
    try {
      return { media: await this.recordings.importUrl(ref.url, ref.headers) };
    } catch (error) {
      if (error instanceof MediaTooLarge) return { never: error.message };
      if (error instanceof FetchFailed) return { notYet: error.message };
      throw error;
    }
  }

  private async check(kind: SourceRow['kind'], config: Record<string, unknown>): Promise<void> {
    if (typeof config.recordings_dir === 'string') {
      const problem = await unreadableFolder(config.recordings_dir);
      if (problem) throw invalid('config.recordings_dir', 'source_unreachable', problem);
    }
    const adapter = this.open({ kind, config });
    try {
      await adapter.check();
    } catch (error) {
      throw invalid('config', 'source_unreachable', error instanceof Error ? error.message : String(error));
    } finally {
      await adapter.close();
    }
  }

  private async row(id: string): Promise<SourceRow> {
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await repo.findSource(this.db, id) : undefined;
    if (!row) throw new NotFound('source', 'source_not_found');
    return withSecrets(this.secretKey, row);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

const rank = (record: SourceRecord) => (record.answered ? 1e9 : 0) + (record.durationS ?? 0);

function count(stats: RunStats, outcome: Outcome, record: SourceRecord): void {
  if (outcome.status === 'created') stats.created++;
  if (outcome.status === 'updated') stats.updated++;
  if (outcome.state === 'skipped') stats.skipped++;
  if (outcome.state === 'waiting') stats.waiting++;
  if (outcome.state === 'missing') stats.missing++;
  if (outcome.state === 'done' && record.answered && record.recording) stats.recordings++;
  if (!record.answered && outcome.state !== 'skipped') stats.missed++;
}

function invalid(path: string, code: string, message: string, topCode = code): Unprocessable {
  const detail: ErrorDetail = { path, code, message };
  return new Unprocessable(topCode, topCode === code ? message : 'the request failed validation', [detail]);
}

function view(row: SourceRow) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    integration_id: row.integration_id,
    schedule: row.schedule,
    active: row.active,
    config: maskSecrets(row.config),
    cursor: row.cursor,
    last_run_at: row.last_run_at?.toISOString() ?? null,
    last_error: row.last_error,
    last_stats: row.last_stats,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
