// Use case: deliver communications to CRMs. `crm` outbox rows fan out into one delivery per interested
// connector (keyed connector × communication × event, so nothing is doubled); due deliveries are claimed
// with a lease and attempted with bounded concurrency per connector; each attempt is logged. Failures back
// off exponentially with jitter (Retry-After honoured) for up to 3 days, then dead-letter; broken
// credentials mark the connector broken and pause its deliveries until an admin reactivates it.
import { backoffDelayMs, type BackoffPolicy } from '../domain/backoff.js';
import { CrmRulesSchema, crmEventOf, type CrmEvent } from '../domain/crm-rules.js';
import type { HttpLimits } from '../crm/http-client.js';
import type { CommunicationSnapshot, DeliveryOutcome } from '../crm/port.js';
import {
  breakConnector,
  claimDeliveries,
  countDeliveries,
  findCommunicationBriefs,
  findDelivery,
  insertAttempt,
  insertDeliveries,
  listAttempts,
  listConnectors,
  listDeliveries,
  requeueDeliveries,
  settleDelivery,
  type ClaimedDelivery,
  type ConnectorRecord,
  type DeliveryFilter,
  type NewDelivery,
} from '../db/repositories/crm.js';
import type { Executor } from '../db/repositories/executor.js';
import { complete, take } from '../db/repositories/outbox.js';
import { NotFound } from '../domain/errors.js';
import type { Communications } from './communications.js';
import type { CrmConnectors } from './crm-connectors.js';

export interface CrmDeliverySettings {
  limits: HttpLimits;
  batchSize?: number;
  leaseSeconds?: number;
  /** Retries stop and the delivery is dead-lettered once this long has passed since its first attempt. */
  maxAgeMs?: number;
  backoff?: BackoffPolicy;
}

export interface CrmRunReport {
  fannedOut: number;
  delivered: number;
  retried: number;
  dead: number;
  paused: number;
}

const CRM_BACKOFF: BackoffPolicy = { baseMs: 5_000, maxMs: 6 * 3600_000, maxAttempts: Number.POSITIVE_INFINITY };
const THREE_DAYS_MS = 3 * 86_400_000;

export class CrmDeliveries {
  constructor(
    private readonly db: Executor,
    private readonly connectors: CrmConnectors,
    private readonly communications: Communications,
    private readonly settings: CrmDeliverySettings,
  ) {}

  /** Outbox rows fanned out, and deliveries attempted, per statement. */
  private get batchSize(): number {
    return this.settings.batchSize ?? 200;
  }

  /**
   * Fans out what the outbox announced, then attempts what is due, until a pass finds less than a full batch
   * of either: rows committed meanwhile wake the next run, which takes them as one batch rather than a
   * trickle of small ones.
   */
  async run(): Promise<CrmRunReport> {
    const report: CrmRunReport = { fannedOut: 0, delivered: 0, retried: 0, dead: 0, paused: 0 };
    for (;;) {
      const fanned = await this.fanOut();
      const attempted = await this.attemptDue(report);
      report.fannedOut += fanned;
      if (fanned < this.batchSize && attempted < this.batchSize) return report;
    }
  }

  /** Turns one batch of `crm` outbox rows into deliveries; returns how many rows it consumed. */
  async fanOut(): Promise<number> {
    const batch = await take(this.db, 'crm', this.batchSize);
    if (batch.length === 0) return 0;
    const [briefs, connectors] = await Promise.all([findCommunicationBriefs(this.db, [...new Set(batch.map((m) => m.key))]), listConnectors(this.db)]);
    const wanted = connectors.filter((c) => c.state !== 'inactive').map((c) => ({ connector: c, rules: CrmRulesSchema.parse(c.rules) }));
    const deliveries: NewDelivery[] = [];
    for (const brief of briefs) {
      const event = crmEventOf(brief.kind, brief.duration_s, brief.direction, brief.closed_at);
      if (!event) continue; // an open chat: its CRM event comes with the post that closes it
      for (const { connector, rules } of wanted) {
        if (!rules.events.includes(event)) continue;
        if (rules.integrations && !rules.integrations.includes(brief.integration_id)) continue;
        deliveries.push({ connector_id: connector.id, communication_id: brief.id, event, delivery_key: `${connector.id}:${brief.id}:${event}`, state: connector.state === 'broken' ? 'paused' : 'pending' });
      }
    }
    await this.db.transaction().execute(async (trx) => {
      await insertDeliveries(trx, deliveries);
      await complete(trx, batch.map((m) => m.id));
    });
    return batch.length;
  }

  /** Claims one batch of due deliveries and attempts them; returns how many it attempted. */
  async attemptDue(report: CrmRunReport): Promise<number> {
    const claimed = await claimDeliveries(this.db, this.batchSize, this.settings.leaseSeconds ?? 60);
    if (claimed.length === 0) return 0;
    const [connectorRows, snapshots] = await Promise.all([listConnectors(this.db), this.snapshots([...new Set(claimed.map((d) => d.communication_id))])]);
    const connectors = new Map(connectorRows.map((c) => [c.id, c]));
    const byConnector = new Map<string, ClaimedDelivery[]>();
    for (const d of claimed) byConnector.set(d.connector_id, [...(byConnector.get(d.connector_id) ?? []), d]);
    await Promise.all(
      [...byConnector].map(async ([connectorId, deliveries]) => {
        const connector = connectors.get(connectorId)!;
        const queue = [...deliveries];
        const worker = async () => {
          for (let next = queue.shift(); next; next = queue.shift()) await this.attempt(connector, next, snapshots.get(next.communication_id), report);
        };
        await Promise.all(Array.from({ length: Math.min(connector.max_concurrency, queue.length) }, worker));
      }),
    );
    return claimed.length;
  }

  private async attempt(connector: ConnectorRecord, delivery: ClaimedDelivery, communication: CommunicationSnapshot | undefined, report: CrmRunReport): Promise<void> {
    const startedAt = new Date();
    const outcome = await this.deliver(connector, delivery, communication);
    const last = outcome.exchanges.at(-1);
    await insertAttempt(this.db, {
      delivery_id: delivery.id,
      attempt: delivery.attempts,
      started_at: startedAt,
      duration_ms: Date.now() - startedAt.getTime(),
      outcome: outcome.kind,
      request: { exchanges: outcome.exchanges.map((e) => ({ ...e.request, status: e.status ?? null })) },
      response_status: last?.status ?? null,
      response_excerpt: last?.excerpt ?? null,
      error: outcome.kind === 'ok' ? null : outcome.reason,
    });
    switch (outcome.kind) {
      case 'ok':
        report.delivered++;
        return settleDelivery(this.db, delivery.id, { state: 'delivered' });
      case 'auth_broken':
        report.paused++;
        await breakConnector(this.db, connector.id, outcome.reason);
        return settleDelivery(this.db, delivery.id, { state: 'paused', error: outcome.reason });
      case 'permanent':
        report.dead++;
        return settleDelivery(this.db, delivery.id, { state: 'dead', error: outcome.reason });
      case 'retryable': {
        const delayMs = Math.max(outcome.retryAfterMs ?? 0, backoffDelayMs(delivery.attempts, this.settings.backoff ?? CRM_BACKOFF));
        if (Date.now() + delayMs - delivery.first_attempt_at.getTime() > (this.settings.maxAgeMs ?? THREE_DAYS_MS)) {
          report.dead++;
          return settleDelivery(this.db, delivery.id, { state: 'dead', error: `gave up after ${delivery.attempts} attempts: ${outcome.reason}` });
        }
        report.retried++;
        return settleDelivery(this.db, delivery.id, { state: 'pending', delayMs, error: outcome.reason });
      }
    }
  }

  private async deliver(connector: ConnectorRecord, delivery: ClaimedDelivery, communication: CommunicationSnapshot | undefined): Promise<DeliveryOutcome> {
    if (!communication) return { kind: 'permanent', reason: 'the communication no longer exists', exchanges: [] };
    try {
      const adapter = this.connectors.open(connector, this.settings.limits);
      return await adapter.deliver({ key: delivery.delivery_key, event: delivery.event as CrmEvent, attempt: delivery.attempts, communication, rules: CrmRulesSchema.parse(connector.rules), progress: this.connectors.progressOf(delivery.id) });
    } catch (error) {
      return { kind: 'retryable', reason: error instanceof Error ? error.message : String(error), exchanges: [] };
    }
  }

  /** What connectors are told about each communication, loaded for a whole batch at once. */
  private async snapshots(ids: string[]): Promise<Map<string, CommunicationSnapshot>> {
    const items = await this.communications.items(ids);
    return new Map(
      [...items.values()].map((c) => [
        c.id,
        {
          id: c.id,
          kind: c.kind,
          uid: c.uid,
          integration_id: c.integration_id,
          channel: c.channel,
          direction: c.direction,
          started_at: c.started_at,
          duration: c.duration,
          client_phone_number: c.client_phone_number,
          client_phone_e164: c.client_phone_e164,
          nps: c.nps,
          operator: c.operator,
          client: c.client,
          custom_fields: c.custom_fields,
          tags: c.tags,
          recording_url: c.media?.url ?? null,
        },
      ]),
    );
  }

  // ---- the delivery log for admins ----------------------------------------------------------------

  async list(filter: DeliveryFilter, limit = 50) {
    return (await listDeliveries(this.db, filter, { limit })).map(view);
  }

  async get(id: string) {
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await findDelivery(this.db, id) : undefined;
    if (!row) throw new NotFound('CRM delivery', 'delivery_not_found');
    const attempts = await listAttempts(this.db, id);
    return {
      ...view(row),
      attempts: attempts.map((a) => ({ attempt: a.attempt, started_at: a.started_at.toISOString(), duration_ms: a.duration_ms, outcome: a.outcome, request: a.request, response_status: a.response_status, response_excerpt: a.response_excerpt, error: a.error })),
    };
  }

  async ofCommunication(communicationId: string) {
    return (await listDeliveries(this.db, { communication_id: communicationId }, { limit: 100 })).map(view);
  }

  async replay(id: string) {
    await this.get(id);
    await requeueDeliveries(this.db, [id]);
    return this.get(id);
  }

  /** How many deliveries a filter matches (for a replay's progress). */
  count(filter: DeliveryFilter): Promise<number> {
    return countDeliveries(this.db, filter);
  }

  /** Replays every delivery matching the filter, page by page; `onPage` reports progress. */
  async replayMatching(filter: DeliveryFilter, options: { dryRun?: boolean; pageSize?: number; onPage?: (done: number) => void } = {}) {
    let done = 0;
    let after: { created_at: Date; id: string } | undefined;
    for (;;) {
      const page = await listDeliveries(this.db, filter, { limit: options.pageSize ?? 500, after });
      if (page.length === 0) return { matched: done };
      if (!options.dryRun) await requeueDeliveries(this.db, page.map((d) => d.id));
      done += page.length;
      options.onPage?.(done);
      const last = page.at(-1)!;
      after = { created_at: last.created_at, id: last.id };
    }
  }
}

function view(row: Awaited<ReturnType<typeof listDeliveries>>[number]) {
  return {
    id: row.id,
    connector_id: row.connector_id,
    communication_id: row.communication_id,
    event: row.event,
    delivery_key: row.delivery_key,
    state: row.state,
    attempts: row.attempts,
    next_attempt_at: row.state === 'pending' ? row.next_attempt_at.toISOString() : null,
    delivered_at: row.delivered_at?.toISOString() ?? null,
    last_error: row.last_error,
    created_at: row.created_at.toISOString(),
  };
}
