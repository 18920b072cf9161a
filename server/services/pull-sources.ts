// Use cases for PBX pull sources: define them (config checked against the real source at once), run
// one (page by page after its cursor: new records become calls, recordings are attached, records seen
// are logged so re-runs never duplicate; each run recorded in its history), re-pull the records of a time
// window, retry recordings that were not there yet, and re-pull recordings for a time window.
import { Conflict, DomainError, MediaTooLarge, NotFound, Unprocessable, type ErrorDetail } from '../domain/errors.js';
import { dropNullOptionals } from '../domain/null-as-absent.js';
import type { Executor } from '../db/repositories/executor.js';
import { findCallId, findMedia, markMediaFailed, type MediaRow } from '../db/repositories/media.js';
import { findOperatorsByExternalIds } from '../db/repositories/operators.js';
import * as repo from '../db/repositories/sources.js';
import type { SourceRecordValues, SourceRow } from '../db/repositories/sources.js';
import { FetchFailed } from '../media/downloader.js';
import { SOURCE_CONFIGS, type CreateSourceInput, type UpdateSourceInput } from '../sources/config.js';
import { maskSecrets, splitSecrets, unmaskPatch } from '../sources/secrets.js';
import type { OpenSource } from '../sources/open-source.js';
import { findInFolder, unreadableFolder } from '../sources/recordings-folder.js';
import { SourceUnreachable, type RecordingRef, type SourceRecord } from '../sources/port.js';
import { freshLeg, rank, storedLeg, type Leg, type Side } from './call-legs.js';
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
      // A null in the patch leaves the setting as it is (null is absent), like everywhere else; a secret sent
      // back masked keeps the stored one.
      const schema = SOURCE_CONFIGS[current.kind];
      const stored = splitSecrets(current.config).secrets;
      const parsed = schema.safeParse({ ...current.config, ...unmaskPatch(dropNullOptionals(schema, patch.config) as Record<string, unknown>, stored) });
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
            await this.attachLeg(id, record, lookup.media);
            report.found++;
          } else report.still_missing++;
        }
        options.onProgress?.(++done, total);
      }
    }
    return report;
  }

  private async takePage(source: SourceRow, records: SourceRecord[], stats: RunStats, retaken: ReadonlyArray<SourceRecordValues['state']> = []): Promise<SourceRecordValues[]> {
    const known = await repo.knownRecordKeys(this.db, source.id, records.map((r) => r.key), retaken);
    const fresh = new Map<string, SourceRecord>();
    for (const record of records) {
      if (known.has(record.key) || fresh.has(record.key)) stats.seen_before++;
      else fresh.set(record.key, record);
    }
    // Legs of one call (same linkedid) are taken as one, with the legs taken on earlier pages and runs.
    const calls = new Map<string, Leg[]>();
    for (const record of fresh.values()) calls.set(record.callUid, [...(calls.get(record.callUid) ?? []), freshLeg(record)]);
    const earlier = await repo.legsOfCalls(this.db, source.id, [...calls.keys()]);
    // A leg taken again (a re-pull retakes skipped ones) counts once: as read now.
    for (const [uid, legs] of calls) legs.push(...(earlier.get(uid) ?? []).filter((l) => !fresh.has(l.record_key)).map(storedLeg));

    // A Map, not the config object: a PBX party named "constructor" or "__proto__" is just a party.
    const map = new Map(Object.entries((source.config.extension_map ?? {}) as Record<string, string>));
    const operatorOf = (party: string) => map.get(party) ?? party;
    const candidates = [...calls.values()].flat().flatMap((l) => [l.from, l.to, ...l.aliases.from, ...l.aliases.to]).filter((x): x is string => x !== null).map(operatorOf);
    const active = new Set((await findOperatorsByExternalIds(this.db, [...new Set(candidates)])).filter((o) => o.active).map((o) => o.external_id));
    const operatorSide = (leg: Leg): Side | null => {
      for (const party of [leg.from, ...leg.aliases.from]) if (party !== null && active.has(operatorOf(party))) return { operator: operatorOf(party), direction: 'outcoming', client: leg.to };
      for (const party of [leg.to, ...leg.aliases.to]) if (party !== null && active.has(operatorOf(party))) return { operator: operatorOf(party), direction: 'incoming', client: leg.from };
      return null;
    };

    const queue = [...calls.entries()];
    const outcomes: SourceRecordValues[] = [];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) outcomes.push(...(await this.takeCall(source, next[0], next[1], operatorSide, stats)));
    };
    await Promise.all(Array.from({ length: this.options.concurrency ?? 32 }, worker));
    return outcomes;
  }

  /**
   * One call from all its legs known so far: the operators' legs first (the longest answered one speaks
   * for the call), the earliest leg's start, every leg's recording kept (the call plays the earliest).
   */
  private async takeCall(source: SourceRow, uid: string, legs: Leg[], operatorSide: (leg: Leg) => Side | null, stats: RunStats): Promise<SourceRecordValues[]> {
    legs.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || (a.key < b.key ? -1 : 1));
    const startedAt = legs[0]!.startedAt;
    const taken = legs.flatMap((leg) => {
      const side = operatorSide(leg);
      return side ? [{ leg, side }] : [];
    });
    // Legs to write back: the fresh ones, and earlier ones skipped while no operator leg had come.
    const touched = legs.filter((l) => l.stored === null || l.stored.state === 'skipped');
    const outcome = (leg: Leg, values: Pick<SourceRecordValues, 'communication_id' | 'state' | 'detail'>): SourceRecordValues => ({
      record_key: leg.key,
      started_at: leg.startedAt,
      call_uid: uid,
      leg: { ...leg.summary },
      recording: leg.recording,
      media_id: leg.mediaId,
      ...values,
    });
    if (taken.length === 0) {
      stats.skipped++;
      const parties = [...new Set(legs.flatMap((l) => [l.from ?? '?', l.to ?? '?']))].slice(0, 6).join(', ');
      return touched.map((leg) => outcome(leg, { communication_id: null, state: 'skipped', detail: `no active operator is ${parties} (operator external_id, extension_map or party_patterns)` }));
    }
    const lead = taken.reduce((best, next) => (rank(next.leg) > rank(best.leg) ? next : best));
    let communicationId = legs.find((l) => l.stored?.communication_id)?.stored?.communication_id ?? null;
    // Written again only when the lead or the start changed.
    let changed = !communicationId || lead.leg.stored === null || legs[0]!.stored === null;
    // A missed call already known by its uid (another leg answered elsewhere) adds nothing.
    if (!communicationId && !lead.leg.answered) {
      communicationId = (await findCallId(this.db, source.integration_id, uid)) ?? null;
      changed = communicationId === null;
    }
    if (changed) {
      const tags = lead.leg.answered ? [] : ['missed'];
      try {
        const result = await this.callIngest.ingest(
          { operator_id: lead.side.operator, started_at: startedAt.toISOString(), uid, direction: lead.side.direction, duration: lead.leg.durationS, client_phone_number: lead.side.client, tags },
          { ...lead.leg.raw, source_id: source.id, tags },
          { id: source.integration_id, defaultTimezone: null },
        );
        communicationId = result.id;
        stats[result.status]++;
        if (!lead.leg.answered) stats.missed++;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        stats.skipped++;
        return touched.map((leg) => outcome(leg, { communication_id: null, state: 'skipped', detail: error.message }));
      }
    }

    const outcomes: SourceRecordValues[] = [];
    const missing: string[] = [];
    let found = false;
    for (const leg of touched) {
      if (!leg.answered || !leg.recording) {
        outcomes.push(outcome(leg, { communication_id: communicationId, state: 'done', detail: leg.answered ? null : 'missed' }));
        continue;
      }
      const lookup = await this.lookupRecording(source, leg.recording);
      if ('media' in lookup) {
        leg.mediaId = lookup.media.id;
        found = true;
        stats.recordings++;
        outcomes.push(outcome(leg, { communication_id: communicationId, state: 'done', detail: null }));
        continue;
      }
      const reason = 'never' in lookup ? lookup.never : lookup.notYet;
      const state = 'never' in lookup || Number(source.config.recording_wait_minutes ?? 0) === 0 ? 'missing' : 'waiting';
      stats[state]++;
      if (state === 'missing') missing.push(reason);
      outcomes.push(outcome(leg, { communication_id: communicationId, state, detail: reason }));
    }
    const first = legs.find((l) => l.mediaId !== null);
    if (found && first) {
      const media = await findMedia(this.db, first.mediaId!);
      if (media) await this.recordings.attach(communicationId!, media);
    } else if (!first && missing.length > 0) await markMediaFailed(this.db, communicationId!, 'missing', missing[0]!);
    return outcomes;
  }

  /** A leg's recording came later: the leg keeps it, and the call plays its earliest leg's. */
  private async attachLeg(sourceId: string, record: repo.WaitingRecord, media: MediaRow): Promise<void> {
    await repo.setRecordMedia(this.db, sourceId, record.record_key, media.id);
    const first = record.call_uid ? await repo.firstLegMedia(this.db, sourceId, record.call_uid) : media.id;
    const played = first === media.id ? media : first ? await findMedia(this.db, first) : undefined;
    if (played) await this.recordings.attach(record.communication_id, played);
  }

  private async retryWaiting(source: SourceRow, stats: RunStats): Promise<void> {
    const waitMs = Number(source.config.recording_wait_minutes ?? 0) * 60_000;
    for (const record of await repo.waitingRecords(this.db, source.id, WAITING_PER_RUN)) {
      const lookup = await this.lookupRecording(source, record.recording as RecordingRef);
      if ('media' in lookup) {
        await this.attachLeg(source.id, record, lookup.media);
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
