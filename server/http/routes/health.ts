// Liveness, readiness and Prometheus metrics.
import { Hono } from 'hono';
import type { Health } from '../../services/health.js';
import type { Metrics } from '../metrics.js';

export function healthRoutes(health: Health, metrics: Metrics) {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const readiness = await health.readiness();
    return c.json(readiness, readiness.ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    c.header('Content-Type', metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });
  return app;
}
