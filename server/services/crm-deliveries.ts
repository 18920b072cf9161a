// Use case: deliver communications to CRMs. `crm` outbox rows fan out into one delivery per interested
// connector (keyed connector × communication × event, so nothing is doubled; paused while the connector is
// not active); each active connector drains its due deliveries on its own — claimed with a lease, attempted
// at most max_concurrency at once — so a slow connector never holds up another; each attempt is logged. Failures back
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
  findConnector,
  findDelivery,
  insertAttempt,
  insertDeliveries,
  listAttempts,
  listConnectors,
  listDeliveries,
  releaseDeliveries,
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
import { ALL_INTEGRATIONS } from '../domain/access-scope.js';
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
  /** The connectors draining now; `again` asks a drain for one more turn (deliveries made due meanwhile). */
  private readonly drains = new Map<string, { again: boolean; done: Promise<void> }>();

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
   * Fans out what the outbox announced, then has every active connector drain what is due, and resolves
   * once all of them are idle (the CLI and tests; the job uses `tick`, which does not wait for the drains).
   */
  async run(): Promise<CrmRunReport> {
    const report: CrmRunReport = { fannedOut: 0, delivered: 0, retried: 0, dead: 0, paused: 0 };
    report.fannedOut = await this.fanOutAll();
    await Promise.all(await this.startDrains(report));
    return report;
  }

  /**
   * The job's pass: fans out, then starts a drain for each active connector not draining already (one that is
   * draining takes another turn), without waiting for them: new outbox rows are fanned out at the next wake-up
   * even while a connector is stuck on timeouts. A drain that fails is reported to `onDrainError`; its
   * deliveries stay leased and are claimed again when the lease ends.
   */
  async tick(onDrainError: (error: unknown) => void): Promise<{ fannedOut: number; draining: number }> {
    const fannedOut = await this.fanOutAll();
    const drains = await this.startDrains({ fannedOut, delivered: 0, retried: 0, dead: 0, paused: 0 });
    for (const drain of drains) drain.catch(onDrainError);
    return { fannedOut, draining: drains.length };
  }

  /** Fans out batches until one is short: rows committed meanwhile wake the next run. */
  private async fanOutAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const fanned = await this.fanOut();
      total += fanned;
      if (fanned < this.batchSize) return total;
    }
  }

  private async startDrains(report: CrmRunReport): Promise<Promise<void>[]> {
    const active = (await listConnectors(this.db)).filter((c) => c.state === 'active');
    return active.map((connector) => {
      const running = this.drains.get(connector.id);
      if (running) {
        running.again = true;
        return running.done;
      }
      const drain = { again: false, done: Promise.resolve() };
      drain.done = (async () => {
        try {
          do {
            drain.again = false;
            await this.drain(connector.id, report);
          } while (drain.again);
        } finally {
          this.drains.delete(connector.id);
        }
      })();
      this.drains.set(connector.id, drain);
      return drain.done;
    });
  }

  /** One connector's turn: claims and attempts its due deliveries batch after batch until a batch is short. */
  private async drain(connectorId: string, report: CrmRunReport): Promise<void> {
    for (;;) {
      const connector = await findConnector(this.db, connectorId);
      if (connector?.state !== 'active') return;
      const attempted = await this.attemptDue(connector, report);
      if (attempted < this.batchSize) return;
    }
  }

  /** Turns one batch of `crm` outbox rows into deliveries; returns how many rows it consumed. */
  async fanOut(): Promise<number> {
    const batch = await take(this.db, 'crm', this.batchSize);
    if (batch.length === 0) return 0;
    const [briefs, connectors] = await Promise.all([findCommunicationBriefs(this.db, [...new Set(batch.map((m) => m.key))]), listConnectors(this.db)]);
    const wanted = connectors.map((c) => ({ connector: c, rules: CrmRulesSchema.parse(c.rules) }));
    const deliveries: NewDelivery[] = [];
    for (const brief of briefs) {
      const event = crmEventOf(brief.kind, brief.duration_s, brief.direction, brief.closed_at);
      if (!event) continue; // an open chat: its CRM event comes with the post that closes it
      for (const { connector, rules } of wanted) {
        if (!rules.events.includes(event)) continue;
        if (rules.integrations && !rules.integrations.includes(brief.integration_id)) continue;
        deliveries.push({ connector_id: connector.id, communication_id: brief.id, event, delivery_key: `${connector.id}:${brief.id}:${event}`, state: connector.state === 'active' ? 'pending' : 'paused' });
      }
    }
    await this.db.transaction().execute(async (trx) => {
      await insertDeliveries(trx, deliveries);
      await complete(trx, batch.map((m) => m.id));
    });
    return batch.length;
  }

  /**
   * Claims one batch of the connector's due deliveries and attempts them, at most max_concurrency at once.
   * Broken credentials stop the batch at once: what was claimed and not yet sent goes back to the queue
   * unattempted. Returns how many it claimed.
   */
  private async attemptDue(connector: ConnectorRecord, report: CrmRunReport): Promise<number> {
    const claimed = await claimDeliveries(this.db, connector.id, this.batchSize, this.settings.leaseSeconds ?? 60);
    if (claimed.length === 0) return 0;
    const snapshots = await this.snapshots([...new Set(claimed.map((d) => d.communication_id))]);
    const queue = [...claimed];
    let broken = false;
    const worker = async () => {
      while (!broken) {
        const next = queue.shift();
        if (!next) return;
        if ((await this.attempt(connector, next, snapshots.get(next.communication_id), report)) === 'auth_broken') broken = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(connector.max_concurrency, queue.length) }, worker));
    await releaseDeliveries(this.db, queue.map((d) => d.id));
    return claimed.length;
  }

  private async attempt(connector: ConnectorRecord, delivery: ClaimedDelivery, communication: CommunicationSnapshot | undefined, report: CrmRunReport): Promise<DeliveryOutcome['kind']> {
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
    await this.settle(connector, delivery, outcome, report);
    return outcome.kind;
  }

  private async settle(connector: ConnectorRecord, delivery: ClaimedDelivery, outcome: DeliveryOutcome, report: CrmRunReport): Promise<void> {
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
    const items = await this.communications.items(ALL_INTEGRATIONS, ids);
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

  /** Sends one delivery again; with `communicationId`, only a delivery of that communication (else 404). */
  async replay(id: string, communicationId?: string) {
    const delivery = await this.get(id);
    if (communicationId !== undefined && delivery.communication_id !== communicationId) throw new NotFound('CRM delivery', 'delivery_not_found');
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
