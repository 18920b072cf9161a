// Use cases around call recordings: store an upload or a fetched media_url (probe, content-address,
// link to the call), drain the media outbox with retries, describe a call's media with a signed URL,
// and open a recording for ranged playback.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { backoffDelayMs, DEFAULT_BACKOFF, exhausted, type BackoffPolicy } from '../domain/backoff.js';
import { Forbidden, MediaTooLarge, NotFound, UnsupportedMediaType } from '../domain/errors.js';
import { assertRecordingType } from '../domain/recording-type.js';
import { publicReason, withoutFilePaths, withoutUserinfo } from '../domain/public-text.js';
import { open } from '../domain/secret-box.js';
import { checkMediaSignature, signMediaPath } from '../domain/media-signature.js';
import type { Executor } from '../db/repositories/executor.js';
import { attachMedia, findCallId, findCallMedias, findMedia, markMediaFailed, mediaTotals, upsertMedia, type CallMedia, type MediaRow } from '../db/repositories/media.js';
import { bury, complete, reschedule, take, type Retry, type TakenMessage } from '../db/repositories/outbox.js';
import { wakeAwaitingMedia } from '../db/repositories/crm-outcomes.js';
import type { DestinationPolicy } from '../media/destination-policy.js';
import { download, FetchFailed } from '../media/downloader.js';
import type { MediaStore, StagedBlob } from '../media/port.js';
import { HostReachability, type PassReachability } from '../media/reachability.js';
import { probeAudio, type ProbeResult } from '../media/probe.js';
import { rawAudioFormat, rawAudioToWav, type RawAudio } from '../media/raw-audio-to-wav.js';

export interface RecordingSettings {
  /** Largest recording accepted, uploaded or fetched. */
  limitBytes: number;
  fetchTimeoutMs: number;
  maxRedirects: number;
  /** Where fetches of posted media_url may go. */
  policy: DestinationPolicy;
  urlTtlSeconds: number;
  /**
   * Due rows read per statement (default 128), more than the downloads at once: rows of a host already
   * found unreachable in the pass cost no download, only their share of the read and the reschedule.
   */
  fetchBatch?: number;
  /** Downloads at once within a batch (default 4). */
  fetchConcurrency?: number;
  backoff?: BackoffPolicy;
}

export interface FetchReport {
  fetched: number;
  retried: number;
  failed: number;
}

export interface StagedRecording {
  save(): Promise<MediaRow>;
  discard(): Promise<void>;
}

export interface Playback {
  media: MediaRow;
  size: number;
  etag: string;
  read(start: number, end: number): Readable;
}

/** Stored recordings never change (content-addressed), so playback keeps the last ones it looked up. */
const PLAYBACK_CACHE_SIZE = 1024;

export class Recordings {
  private readonly playable = new Map<string, { media: MediaRow; size: number }>();
  private readonly hosts: HostReachability;

  constructor(
    private readonly db: Executor,
    private readonly store: MediaStore,
    private readonly secretKey: string,
    private readonly publicUrl: string,
    private readonly settings: RecordingSettings,
  ) {
    this.hosts = new HostReachability(settings.backoff ?? DEFAULT_BACKOFF);
  }

  get limitBytes(): number {
    return this.settings.limitBytes;
  }

  /**
   * Streams a recording to a temporary file and probes it; nothing is kept until `save()` (then the blob
   * moves under its hash and gets its row; corrupt audio is kept and flagged), `discard()` removes it.
   * A headerless `.gsm` or `.sln` recording (by `name` or the declared type) is kept converted to WAV.
   */
  async stage(body: Readable, declaredMime: string | undefined, name?: string): Promise<StagedRecording> {
    assertRecordingType(declaredMime);
    const staged = await this.store.stage(body, this.settings.limitBytes);
    try {
      const raw = staged.size > 0 ? rawAudioFormat(name, declaredMime) : null;
      if (raw) return await this.stageConverted(staged, raw);
      const probe = await probeAudio(staged.path, declaredMime);
      return this.keep(staged, staged.size === 0 ? { ...probe, ok: false, error: 'the recording is empty' } : probe);
    } catch (error) {
      await staged.discard();
      throw error;
    }
  }

  /** The WAV sox makes of a raw recording; the original, flagged corrupt, when sox finds no audio in it. */
  private async stageConverted(original: StagedBlob, raw: RawAudio): Promise<StagedRecording> {
    const corrupt = (error: string): ProbeResult => ({ ok: false, mime: 'application/octet-stream', format: raw, durationS: null, error });
    const conversion = await rawAudioToWav(original.path, raw, this.settings.limitBytes);
    if (!conversion.ok) return this.keep(original, corrupt(conversion.error));
    let wav: StagedBlob | undefined;
    try {
      wav = await this.store.stage(createReadStream(conversion.path), this.settings.limitBytes);
      const probe = await probeAudio(wav.path, 'audio/wav');
      if (!probe.ok) {
        await wav.discard();
        return this.keep(original, corrupt(`no ${raw} audio found in the recording`));
      }
      await original.discard();
      return this.keep(wav, probe);
    } catch (error) {
      await wav?.discard();
      throw error;
    } finally {
      await conversion.cleanup();
    }
  }

  private keep(staged: StagedBlob, probe: ProbeResult): StagedRecording {
    return {
      save: async () => {
        await staged.commit();
        return upsertMedia(this.db, {
          sha256: staged.sha256,
          size_bytes: staged.size,
          mime: probe.mime,
          format: probe.format,
          duration_s: probe.durationS,
          state: probe.ok ? 'ready' : 'corrupt',
          probe_error: probe.error,
        });
      },
      discard: () => staged.discard(),
    };
  }

  async save(body: Readable, declaredMime: string | undefined, name?: string): Promise<MediaRow> {
    const staged = await this.stage(body, declaredMime, name);
    try {
      return await staged.save();
    } catch (error) {
      await staged.discard();
      throw error;
    }
  }

  /** PUT .../phone_calls/{uid}/recording: the call must exist; the body replaces its recording. */
  async upload(integrationId: string, uid: string, body: Readable, declaredMime: string | undefined) {
    const communicationId = await findCallId(this.db, integrationId, uid);
    if (!communicationId) throw new NotFound('communication', 'communication_not_found');
    const media = await this.save(body, declaredMime);
    await this.link(communicationId, media);
    return { id: communicationId, uid, media: this.describeMedia(media, null) };
  }

  /** Links an already stored recording (a multipart part) to a call. */
  async attach(communicationId: string, media: MediaRow): Promise<void> {
    await this.link(communicationId, media);
  }

  /** Links a recording to its call; CRM deliveries waiting for it go out now. */
  private async link(communicationId: string, media: MediaRow, expectedUrl?: string): Promise<void> {
    if (await attachMedia(this.db, communicationId, media, expectedUrl)) await wakeAwaitingMedia(this.db, communicationId);
  }

  /** A recording a pull source found on disk. */
  importFile(file: string): Promise<MediaRow> {
    return this.save(createReadStream(file), undefined, path.basename(file));
  }

  /** A recording a pull source serves over HTTP: the admin configured that endpoint, so no destination policy. */
  async importUrl(url: string, headers: Record<string, string>): Promise<MediaRow> {
    const { body, contentType } = await download(url, { ...this.downloadLimits(), policy: null, headers });
    return this.save(body, contentType, URL.canParse(url) ? path.posix.basename(new URL(url).pathname) : undefined);
  }

  /**
   * Passes over due `media` outbox rows until one finds less than a full batch: download each, store it,
   * link it; retry or give up. A pass handles each row once. A host that gave no answer is not asked again
   * in the same pass, and its recordings wait out the host's backoff when longer than their own (see
   * HostReachability). A batch's retries are written in one statement.
   */
  async fetchPending(): Promise<FetchReport> {
    const report: FetchReport = { fetched: 0, retried: 0, failed: 0 };
    const full = this.settings.fetchBatch ?? 128;
    const reachability = this.hosts.pass();
    const handled = new Set<number>();
    for (;;) {
      const taken = await take(this.db, 'media', full);
      const batch = taken.filter((message) => !handled.has(message.id));
      if (batch.length === 0) return report;
      for (const message of batch) handled.add(message.id);
      const retries: Retry[] = [];
      const queue = [...batch];
      const worker = async () => {
        for (let message = queue.shift(); message; message = queue.shift()) {
          const outcome = await this.fetchOne(message, reachability);
          if (typeof outcome === 'string') report[outcome]++;
          else retries.push(outcome);
        }
      };
      await Promise.all(Array.from({ length: this.settings.fetchConcurrency ?? 4 }, worker));
      report.retried += retries.length;
      await reschedule(this.db, retries);
      // A short read ends the pass (rows committed meanwhile wake the next run), and so do rows this pass
      // already retried coming due again in a long pass: the next run gives them their next attempt.
      if (taken.length < full || batch.length < taken.length) return report;
    }
  }

  /** Fetches one recording; a retryable failure is returned as the retry for the batch to write. */
  private async fetchOne(message: TakenMessage, reachability: PassReachability): Promise<'fetched' | 'failed' | Retry> {
    const communicationId = String(message.payload.communication_id);
    const url = String(message.payload.url);
    try {
      // A media_url with credentials is stored and shown without them; the fetch opens the sealed original.
      const sealed = message.payload.sealed_url;
      const fetchUrl = typeof sealed === 'string' ? open<string>(this.secretKey, sealed) : url;
      const { body, contentType } = await reachability.request(url, () => download(fetchUrl, { ...this.downloadLimits(), policy: this.settings.policy }));
      const media = await this.save(body, contentType);
      await this.link(communicationId, media, url);
      await complete(this.db, [message.id]);
      return 'fetched';
    } catch (error) {
      const permanent = (error instanceof FetchFailed && error.permanent) || error instanceof MediaTooLarge || error instanceof UnsupportedMediaType;
      const reason = publicReason(error);
      if (permanent || exhausted(message.attempts, this.settings.backoff)) {
        await bury(this.db, [message.id], reason);
        await markMediaFailed(this.db, communicationId, 'failed', reason);
        await wakeAwaitingMedia(this.db, communicationId); // they go out without it
        return 'failed';
      }
      const delayMs = this.hosts.retryDelayMs(url, backoffDelayMs(message.attempts, this.settings.backoff));
      return { id: message.id, delayMs, error: reason };
    }
  }

  /** The `media` block of a communication as the API shows it. */
  async describe(communicationId: string) {
    return (await this.describeMany([communicationId])).get(communicationId) ?? null;
  }

  /** `media` blocks of several communications (a search page), by communication id. */
  async describeMany(communicationIds: string[]) {
    const blocks = new Map<string, ReturnType<Recordings['describeCall']>>();
    for (const [id, call] of await findCallMedias(this.db, communicationIds)) blocks.set(id, this.describeCall(call));
    return blocks;
  }

  private describeCall(call: CallMedia) {
    if (call.media) return this.describeMedia(call.media, call.media_url);
    if (!call.media_url && !call.media_state) return null;
    return { id: null, state: call.media_state ?? 'pending', source_url: shownUrl(call.media_url), url: null, error: shownError(call.media_error) };
  }

  private describeMedia(media: MediaRow, sourceUrl: string | null) {
    const expires = Math.floor(Date.now() / 1000) + this.settings.urlTtlSeconds;
    return {
      id: media.id,
      state: media.state,
      source_url: shownUrl(sourceUrl),
      url: `${this.publicUrl}${signMediaPath(media.id, expires, this.secretKey)}`,
      url_expires_at: new Date(expires * 1000).toISOString(),
      mime: media.mime,
      format: media.format,
      size: Number(media.size_bytes),
      duration: media.duration_s,
      sha256: media.sha256,
      error: shownError(media.probe_error),
    };
  }

  /** What the media store holds and the room left on its volume. */
  async storeUsage() {
    const [totals, volume] = await Promise.all([mediaTotals(this.db), this.store.volume()]);
    return { files: totals.files, stored_bytes: totals.bytes, volume_total_bytes: volume.totalBytes, volume_free_bytes: volume.freeBytes };
  }

  /** Checks a signed URL and opens the recording it names. */
  async playback(mediaId: string, expires: number, sig: string): Promise<Playback> {
    const check = checkMediaSignature(mediaId, expires, sig, this.secretKey, Math.floor(Date.now() / 1000));
    if (check !== 'valid') {
      throw new Forbidden(check === 'expired' ? 'url_expired' : 'invalid_signature', check === 'expired' ? 'the media URL has expired' : 'the media URL signature is wrong');
    }
    return this.openStored(mediaId);
  }

  /** Opens a stored recording for ranged reads; the caller has checked the right to (a signed URL, a recording link). */
  async openStored(mediaId: string): Promise<Playback> {
    const { media, size } = this.playable.get(mediaId) ?? (await this.lookUpPlayable(mediaId));
    return { media, size, etag: `"${media.sha256}"`, read: (start, end) => this.store.read(media.sha256, start, end) };
  }

  private async lookUpPlayable(mediaId: string) {
    const media = await findMedia(this.db, mediaId);
    const size = media ? await this.store.size(media.sha256) : undefined;
    if (!media || size === undefined) throw new NotFound('media', 'media_not_found');
    if (this.playable.size >= PLAYBACK_CACHE_SIZE) this.playable.delete(this.playable.keys().next().value!);
    this.playable.set(mediaId, { media, size });
    return { media, size };
  }

  private downloadLimits() {
    return { limitBytes: this.settings.limitBytes, timeoutMs: this.settings.fetchTimeoutMs, maxRedirects: this.settings.maxRedirects };
  }
}

// Rows stored before paths and credentials were kept out are cleaned on the way out too.
const shownUrl = (url: string | null) => (url === null ? null : withoutUserinfo(url));
const shownError = (error: string | null) => (error === null ? null : withoutFilePaths(error));
