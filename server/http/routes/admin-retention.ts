// Admin: how long recordings, transcripts and communications are kept (a default and per integration).
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Retention } from '../../services/retention.js';
import { jsonBody } from '../json-body.js';
import { errorResponses } from '../schemas/common.js';
import { RetentionSettingsSchema, RetentionViewSchema } from '../schemas/retention.js';

const security = [{ adminToken: [] }];
const view = { description: 'The retention settings', content: { 'application/json': { schema: RetentionViewSchema } } };

export function retentionRoutes(retention: Retention) {
  const app = new OpenAPIHono();

  app.openAPIRegistry.registerPath(createRoute({ method: 'get', path: '/', tags: ['admin'], security, summary: 'The retention settings', responses: { 200: view, ...errorResponses(401, 403) } }));
  app.get('/', async (c) => c.json(await retention.settings()));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'put',
      path: '/',
      tags: ['admin'],
      security,
      summary: 'Replace the retention settings (null keeps forever); integration keys must be existing integration ids',
      request: { body: { required: true, content: { 'application/json': { schema: RetentionSettingsSchema } } } },
      responses: { 200: view, ...errorResponses(400, 401, 403, 422) },
    }),
  );
  app.put('/', jsonBody(RetentionSettingsSchema), async (c) => {
    const body = c.get('body');
    return c.json(await retention.update({ default: body.default, integrations: new Map(Object.entries(body.integrations ?? {})) }));
  });

  return app;
}
