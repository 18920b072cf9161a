// Use case: deliver communications to CRMs. Outbox rows fan out into deliveries (crm-fan-out.ts: one CRM
// outcome per communication and connector); each active connector drains its due deliveries on its own —
// claimed with a lease, attempted at most max_concurrency at once — so a slow connector never holds up
// another; each attempt is logged. A call whose recording is still being fetched is not attempted: its
// delivery goes back unattempted until the recording is stored or failed, or the media wait ends. Failures
// back off exponentially with jitter (Retry-After honoured) for up to 3 days, then dead-letter; broken
// credentials mark the connector broken and pause its deliveries until an admin reactivates it.
import { backoffDelayMs, type BackoffPolicy } from '../domain/backoff.js';
import { CrmRulesSchema, type CrmEvent } from '../domain/crm-rules.js';
import type { HttpLimits } from '../crm/http-client.js';
import type { DeliveryOutcome, FollowedDelivery } from '../crm/port.js';
import { breakConnector, claimDeliveries, findConnector, insertAttempt, listConnectors, releaseDeliveries, settleDelivery, type ClaimedDelivery, type ConnectorRecord } from '../db/repositories/crm.js';
import { awaitMedia, findDeliveriesById } from '../db/repositories/crm-outcomes.js';
import type { Executor } from '../db/repositories/executor.js';
import type { Communications } from './communications.js';
import type { CrmConnectors } from './crm-connectors.js';
import { fanOutBatch } from './crm-fan-out.js';
import { loadSubjects, type DeliverySubject } from './crm-snapshots.js';
import type { RecordingLinks } from './recording-links.js';

export interface CrmDeliverySettings {
  limits: HttpLimits;
  batchSize?: number;
  leaseSeconds?: number;
  /** Retries stop and the delivery is dead-lettered once this long has passed since its first attempt. */
  maxAgeMs?: number;
  backoff?: BackoffPolicy;
  /**
   * How long after it was made a delivery waits for its call's recording (EARSHOT_CRM_MEDIA_WAIT_SECONDS,
   * default 300); 0 sends at once, with the recording only if it is already stored.
   */
  mediaWaitSeconds?: number;
  /** A waiting delivery looks again this often, in case no fetch wakes it (default 30). */
  mediaPollSeconds?: number;
}

export interface CrmRunReport {
  fannedOut: number;
  delivered: number;
  retried: number;
  dead: number;
  paused: number;
  /** Deliveries put off because their call's recording was still being fetched. */
  waiting: number;
}

const CRM_BACKOFF: BackoffPolicy = { baseMs: 5_000, maxMs: 6 * 3600_000, maxAttempts: Number.POSITIVE_INFINITY };
const THREE_DAYS_MS = 3 * 86_400_000;
const emptyReport = (fannedOut = 0): CrmRunReport => ({ fannedOut, delivered: 0, retried: 0, dead: 0, paused: 0, waiting: 0 });

export class CrmDeliveries {
  /** The connectors draining now; `again` asks a drain for one more turn (deliveries made due meanwhile). */
  private readonly drains = new Map<string, { again: boolean; done: Promise<void> }>();

  constructor(
    private readonly db: Executor,
    private readonly connectors: CrmConnectors,
    private readonly communications: Communications,
    private readonly links: RecordingLinks,
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
    const report = emptyReport(await this.fanOutAll());
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
    const drains = await this.startDrains(emptyReport(fannedOut));
    for (const drain of drains) drain.catch(onDrainError);
    return { fannedOut, draining: drains.length };
  }

  /** Turns one batch of `crm` outbox rows into deliveries; returns how many rows it consumed. */
  fanOut(): Promise<number> {
    return fanOutBatch(this.db, this.batchSize);
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

  /**
   * Claims one batch of the connector's due deliveries and attempts them, at most max_concurrency at once.
   * Those whose call's recording is still being fetched (within the media wait) go back unattempted.
   * Broken credentials stop the batch at once: what was claimed and not yet sent goes back to the queue
   * unattempted. Returns how many it claimed.
   */
  private async attemptDue(connector: ConnectorRecord, report: CrmRunReport): Promise<number> {
    const claimed = await claimDeliveries(this.db, connector.id, this.batchSize, this.settings.leaseSeconds ?? 60);
    if (claimed.length === 0) return 0;
    const [subjects, followed] = await Promise.all([
      loadSubjects(this.communications, this.links, [...new Set(claimed.map((d) => d.communication_id))]),
      findDeliveriesById(this.db, claimed.flatMap((d) => (d.follows ? [d.follows] : []))),
    ]);
    const waitSeconds = this.settings.mediaWaitSeconds ?? 300;
    const waiting = claimed.filter((d) => subjects.get(d.communication_id)?.mediaPending && Date.now() < d.created_at.getTime() + waitSeconds * 1000);
    await awaitMedia(this.db, waiting.map((d) => d.id), waitSeconds, this.settings.mediaPollSeconds ?? 30);
    report.waiting += waiting.length;
    const queue = claimed.filter((d) => !waiting.includes(d));
    let broken = false;
    const worker = async () => {
      while (!broken) {
        const next = queue.shift();
        if (!next) return;
        const first = next.follows ? followed.get(next.follows) : undefined;
        const follows = first ? { key: first.delivery_key, event: first.event as CrmEvent, progress: first.progress } : undefined;
        if ((await this.attempt(connector, next, subjects.get(next.communication_id), follows, report)) === 'auth_broken') broken = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(connector.max_concurrency, queue.length) }, worker));
    await releaseDeliveries(this.db, queue.map((d) => d.id));
    return claimed.length;
  }

  private async attempt(connector: ConnectorRecord, delivery: ClaimedDelivery, subject: DeliverySubject | undefined, follows: FollowedDelivery | undefined, report: CrmRunReport): Promise<DeliveryOutcome['kind']> {
    const startedAt = new Date();
    const outcome = await this.deliver(connector, delivery, subject, follows);
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

  private async deliver(connector: ConnectorRecord, delivery: ClaimedDelivery, subject: DeliverySubject | undefined, follows: FollowedDelivery | undefined): Promise<DeliveryOutcome> {
    if (!subject) return { kind: 'permanent', reason: 'the communication no longer exists', exchanges: [] };
    try {
      const adapter = this.connectors.open(connector, this.settings.limits);
      return await adapter.deliver({
        key: delivery.delivery_key,
        event: delivery.event as CrmEvent,
        attempt: delivery.attempts,
        communication: subject.snapshot,
        rules: CrmRulesSchema.parse(connector.rules),
        progress: this.connectors.progressOf(delivery.id),
        ...(follows ? { follows } : {}),
      });
    } catch (error) {
      return { kind: 'retryable', reason: error instanceof Error ? error.message : String(error), exchanges: [] };
    }
  }
}
