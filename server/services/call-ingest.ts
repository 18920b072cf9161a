// Use case: ingest phone calls. Concurrent posts are group-committed: each batch is one statement that
// writes clients, communications and their outbox rows; a bad item is answered alone, never half-written.
import type { ErrorDetail } from '../domain/errors.js';
import { OperatorInactive, OperatorNotFound } from '../domain/errors.js';
import type { CountryCode } from 'libphonenumber-js';
import { prepareCall, type CallInput, type CallSubmission, type IntegrationContext } from '../domain/call-submission.js';
import { coerceCustomFields, type CustomFieldDefinition } from '../domain/custom-field-types.js';
import { withoutUserinfo } from '../domain/public-text.js';
import { seal } from '../domain/secret-box.js';
import { writeCallBatch, type CallBatchResult, type CallBatchRow } from '../db/repositories/call-batch.js';
import { addSealedMediaUrl } from '../db/repositories/outbox.js';
import { listAliases } from '../db/repositories/clients.js';
import type { Executor } from '../db/repositories/executor.js';
import { findOperatorsByExternalIds } from '../db/repositories/operators.js';
import { loadDefinitions } from './custom-field-definitions.js';
import { GroupCommitter } from './group-commit.js';
import { TtlCache } from './ttl-cache.js';

export interface IngestResult {
  id: string;
  uid: string;
  status: 'created' | 'updated';
  warnings: ErrorDetail[];
}

export interface CallIngestOptions {
  /** Seals media_url credentials (user:password@) kept for the fetch; without it they are dropped. */
  secretKey?: string;
  maxBatch?: number;
  maxInFlight?: number;
  /** How long custom field definitions are reused between batches (changes made here clear it at once). */
  definitionsCacheSeconds?: number;
  /** Region for reading phone numbers written without a country code. */
  phoneRegion?: CountryCode | undefined;
  /** Told the number of calls in each group-committed batch. */
  onBatch?: (size: number) => void;
}

export class CallIngest {
  private readonly committer: GroupCommitter<CallSubmission, IngestResult>;
  private readonly definitions: TtlCache<'all', Map<string, CustomFieldDefinition>>;
  /** Per integration, external ids of merged-away clients → the client they were merged into (few; reread like definitions). */
  private readonly aliases: TtlCache<'all', Map<string, Map<string, string>>>;

  constructor(
    private readonly db: Executor,
    private readonly options: CallIngestOptions = {},
  ) {
    this.definitions = new TtlCache((options.definitionsCacheSeconds ?? 0) * 1000);
    this.aliases = new TtlCache((options.definitionsCacheSeconds ?? 0) * 1000);
    this.committer = new GroupCommitter({
      run: (batch) => this.writeBatch(batch),
      keyOf: (call) => `${call.integrationId}\0${call.uid}`,
      maxBatch: options.maxBatch ?? 256,
      maxInFlight: options.maxInFlight ?? 1,
      onBatch: options.onBatch,
    });
  }

  /** Stores a validated call body (`raw` is the body as received); throws Unprocessable for bad times. */
  ingest(input: CallInput, raw: unknown, integration: IntegrationContext): Promise<IngestResult> {
    return this.committer.submit(prepareCall(input, raw, integration, this.options.phoneRegion));
  }

  /** Called when custom field definitions change so the next batch reads them afresh. */
  definitionsChanged(): void {
    this.definitions.clear();
  }

  /** Called after clients are merged so the next batch maps the merged-away external id. */
  aliasesChanged(): void {
    this.aliases.clear();
  }

  private async writeBatch(batch: CallSubmission[]): Promise<Array<IngestResult | Error>> {
    const [definitions, aliases] = await Promise.all([this.definitions.get('all', () => loadDefinitions(this.db)), this.aliases.get('all', () => listAliases(this.db))]);
    const warnings: ErrorDetail[][] = [];
    const rows = batch.map((call, idx) => {
      const fields = coerceCustomFields(definitions, call.customFields, call.defaultZone);
      warnings[idx] = [...call.warnings, ...fields.warnings];
      const row = toRow(call, idx, fields.values, warnings[idx]!);
      const merged = row.client_external_id === null ? undefined : aliases.get(row.integration_id)?.get(row.client_external_id);
      return merged === undefined ? row : { ...row, client_external_id: merged };
    });
    const written = await this.write(rows);

    const outcomes: Array<IngestResult | Error> = [];
    for (const w of written) outcomes[w.idx] = { id: w.id, uid: w.uid, status: w.created ? 'created' : 'updated', warnings: warnings[w.idx]! };
    const refused = batch.filter((_, idx) => !outcomes[idx]);
    if (refused.length > 0) {
      const known = new Map((await findOperatorsByExternalIds(this.db, refused.map((c) => c.operatorExternalId))).map((o) => [o.external_id, o]));
      batch.forEach((call, idx) => {
        if (outcomes[idx]) return;
        outcomes[idx] = known.has(call.operatorExternalId) ? new OperatorInactive(call.operatorExternalId) : new OperatorNotFound(call.operatorExternalId);
      });
    }
    return outcomes;
  }

  /**
   * A media_url's user:password@ is kept out of the stored call and its raw body; the fetch gets it sealed
   * in the media outbox row, written in the same transaction (only batches that have such a URL open one).
   */
  private async write(rows: CallBatchRow[]): Promise<CallBatchResult[]> {
    const credentialed = new Map<number, { full: string; shown: string }>();
    for (const row of rows) {
      const shown = row.media_url === null ? null : withoutUserinfo(row.media_url);
      if (shown === null || shown === row.media_url) continue;
      credentialed.set(row.idx, { full: row.media_url!, shown });
      row.media_url = shown;
      if (isObject(row.raw) && typeof row.raw.media_url === 'string') row.raw = { ...row.raw, media_url: shown };
    }
    const secretKey = this.options.secretKey;
    if (credentialed.size === 0 || secretKey === undefined) return writeCallBatch(this.db, rows);
    return this.db.transaction().execute(async (trx) => {
      const written = await writeCallBatch(trx, rows);
      for (const w of written) {
        const url = credentialed.get(w.idx);
        if (url) await addSealedMediaUrl(trx, w.id, url.shown, seal(secretKey, url.full));
      }
      return written;
    });
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function toRow(call: CallSubmission, idx: number, customFields: Record<string, unknown>, warnings: ErrorDetail[]): CallBatchRow {
  return {
    idx,
    integration_id: call.integrationId,
    uid: call.uid,
    operator_external_id: call.operatorExternalId,
    client_external_id: call.client?.externalId ?? null,
    client_first_name: call.client?.firstName ?? null,
    client_last_name: call.client?.lastName ?? null,
    client_company_name: call.client?.companyName ?? null,
    client_phone: call.client ? (call.phone?.e164 ?? call.phone?.raw ?? null) : null,
    direction: call.direction,
    started_at: call.startedAt.toISOString(),
    duration_s: call.duration,
    client_phone_raw: call.phone?.raw ?? null,
    client_phone_e164: call.phone?.e164 ?? null,
    chain_uid: call.chainUid,
    nps: call.nps,
    custom_fields: customFields,
    tags: call.tags,
    media_url: call.mediaUrl,
    transcript: call.transcript,
    warnings,
    raw: call.raw,
  };
}
