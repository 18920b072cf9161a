// Use case: ingest phone calls. Concurrent posts are group-committed: one transaction per batch writes
// clients, communications and their outbox rows; a bad item is answered alone, never half-written.
import type { ErrorDetail } from '../domain/errors.js';
import { OperatorInactive, OperatorNotFound } from '../domain/errors.js';
import type { CallSubmission } from '../domain/call-submission.js';
import { coerceCustomFields } from '../domain/custom-field-types.js';
import { upsertClients, type ClientValues } from '../db/repositories/clients.js';
import { upsertCommunications, type CommunicationValues } from '../db/repositories/communications.js';
import type { Executor } from '../db/repositories/executor.js';
import { findOperatorsByExternalIds } from '../db/repositories/operators.js';
import { enqueue, type OutboxMessage } from '../db/repositories/outbox.js';
import { loadDefinitions } from './custom-field-definitions.js';
import { GroupCommitter } from './group-commit.js';

export interface IngestResult {
  id: string;
  uid: string;
  status: 'created' | 'updated';
  warnings: ErrorDetail[];
}

export interface CallIngestOptions {
  maxBatch?: number;
  maxInFlight?: number;
}

export class CallIngest {
  private readonly committer: GroupCommitter<CallSubmission, IngestResult>;

  constructor(
    private readonly db: Executor,
    options: CallIngestOptions = {},
  ) {
    this.committer = new GroupCommitter({
      run: (batch) => this.writeBatch(batch),
      keyOf: (call) => `${call.integrationId}\0${call.uid}`,
      maxBatch: options.maxBatch ?? 256,
      maxInFlight: options.maxInFlight ?? 4,
    });
  }

  ingest(call: CallSubmission): Promise<IngestResult> {
    return this.committer.submit(call);
  }

  get waiting(): number {
    return this.committer.waiting;
  }

  private writeBatch(batch: CallSubmission[]): Promise<Array<IngestResult | Error>> {
    return this.db.transaction().execute(async (trx) => {
      const definitions = await loadDefinitions(trx);
      const operators = new Map(
        (await findOperatorsByExternalIds(trx, [...new Set(batch.map((c) => c.operatorExternalId))])).map((o) => [o.external_id, o]),
      );

      const outcomes: Array<IngestResult | Error> = [];
      const accepted: Array<{ index: number; call: CallSubmission; row: Omit<CommunicationValues, 'client_id'>; warnings: ErrorDetail[] }> = [];
      batch.forEach((call, index) => {
        const operator = operators.get(call.operatorExternalId);
        if (!operator) return void (outcomes[index] = new OperatorNotFound(call.operatorExternalId));
        if (!operator.active) return void (outcomes[index] = new OperatorInactive(call.operatorExternalId));
        const fields = coerceCustomFields(definitions, call.customFields, call.defaultZone);
        const warnings = [...call.warnings, ...fields.warnings];
        accepted.push({ index, call, warnings, row: toRow(call, operator, fields.values, warnings) });
      });
      if (accepted.length === 0) return outcomes;

      const clientIds = await upsertClients(trx, mergeClients(accepted.map((a) => a.call)));
      const written = await upsertCommunications(
        trx,
        accepted.map(({ call, row }) => ({ ...row, client_id: call.client ? clientIds.get(call.client.externalId)! : null })),
      );
      const byKey = new Map(written.map((w) => [`${w.integration_id}\0${w.uid}`, w]));
      const messages: OutboxMessage[] = [];
      for (const { index, call, warnings } of accepted) {
        const stored = byKey.get(`${call.integrationId}\0${call.uid}`)!;
        const event = stored.created ? 'created' : 'updated';
        messages.push({ topic: 'search', key: stored.id, payload: { communication_id: stored.id } });
        messages.push({ topic: 'crm', key: stored.id, payload: { communication_id: stored.id, event: `call.${event}` } });
        if (call.mediaUrl) messages.push({ topic: 'media', key: stored.id, payload: { communication_id: stored.id, url: call.mediaUrl } });
        outcomes[index] = { id: stored.id, uid: stored.uid, status: event, warnings };
      }
      await enqueue(trx, messages);
      return outcomes;
    });
  }
}

function toRow(
  call: CallSubmission,
  operator: { id: string; department_id: string | null },
  customFields: Record<string, unknown>,
  warnings: ErrorDetail[],
): Omit<CommunicationValues, 'client_id'> {
  return {
    kind: 'call',
    integration_id: call.integrationId,
    uid: call.uid,
    operator_id: operator.id,
    department_id: operator.department_id,
    direction: call.direction,
    started_at: call.startedAt,
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

/** One row per client external id; later calls in the batch win for names, phones accumulate. */
function mergeClients(calls: CallSubmission[]): ClientValues[] {
  const merged = new Map<string, ClientValues>();
  for (const call of calls) {
    if (!call.client) continue;
    const phone = call.phone?.e164 ?? call.phone?.raw;
    const previous = merged.get(call.client.externalId);
    merged.set(call.client.externalId, {
      external_id: call.client.externalId,
      first_name: call.client.firstName ?? previous?.first_name ?? null,
      last_name: call.client.lastName ?? previous?.last_name ?? null,
      company_name: call.client.companyName ?? previous?.company_name ?? null,
      phones: [...new Set([...(previous?.phones ?? []), ...(phone ? [phone] : [])])],
    });
  }
  return [...merged.values()];
}
