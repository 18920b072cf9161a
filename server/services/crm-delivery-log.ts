// Use case: the CRM delivery log for admins (API, console, CLI): list and read deliveries with their
// attempts, and replay them — one, or every delivery a filter matches, page by page — with a fresh retry budget.
import { countDeliveries, findDelivery, listAttempts, listDeliveries, requeueDeliveries, type DeliveryFilter, type DeliveryRecord } from '../db/repositories/crm.js';
import type { Executor } from '../db/repositories/executor.js';
import { NotFound } from '../domain/errors.js';

export class CrmDeliveryLog {
  constructor(private readonly db: Executor) {}

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

function view(row: DeliveryRecord) {
  return {
    id: row.id,
    connector_id: row.connector_id,
    communication_id: row.communication_id,
    event: row.event,
    delivery_key: row.delivery_key,
    follows: row.follows,
    state: row.state,
    attempts: row.attempts,
    next_attempt_at: row.state === 'pending' ? row.next_attempt_at.toISOString() : null,
    delivered_at: row.delivered_at?.toISOString() ?? null,
    last_error: row.last_error,
    created_at: row.created_at.toISOString(),
  };
}
