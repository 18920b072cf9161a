// Prometheus metrics: one registry per app, HTTP timings by route, ingest counters.
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import client from 'prom-client';

export interface Metrics {
  registry: client.Registry;
  callsIngested: client.Counter<'status'>;
  /** Seconds from a change's commit to its search document being applied. */
  searchIndexLag: client.Histogram;
  /** Calls per group-committed ingest batch: how well concurrent posts share a commit. */
  ingestBatchSize: client.Histogram;
  middleware: MiddlewareHandler;
}

export function createMetrics(gauges: Array<{ name: string; help: string; labelNames?: string[]; collect(set: (value: number, labels?: Record<string, string>) => void): Promise<void> }> = []): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const duration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const callsIngested = new client.Counter({
    name: 'earshot_calls_ingested_total',
    help: 'Phone calls stored, by created/updated',
    labelNames: ['status'],
    registers: [registry],
  });
  const searchIndexLag = new client.Histogram({
    name: 'earshot_search_index_lag_seconds',
    help: 'Time from a communication being written to its search document being applied',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300],
    registers: [registry],
  });
  const ingestBatchSize = new client.Histogram({
    name: 'earshot_ingest_batch_calls',
    help: 'Calls written per group-committed ingest batch (one transaction and commit each)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [registry],
  });
  for (const gauge of gauges) {
    new client.Gauge({
      name: gauge.name,
      help: gauge.help,
      labelNames: gauge.labelNames ?? [],
      registers: [registry],
      async collect() {
        await gauge.collect((value, labels) => (labels ? this.set(labels, value) : this.set(value)));
      },
    });
  }
  const middleware: MiddlewareHandler = async (c, next) => {
    const stop = duration.startTimer();
    await next();
    stop({ method: c.req.method, route: routePath(c, -1) || 'unmatched', status: String(c.res.status) });
  };
  return { registry, callsIngested, searchIndexLag, ingestBatchSize, middleware };
}
