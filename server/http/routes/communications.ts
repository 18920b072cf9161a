// Reading: one communication, and search over them, within the caller's AccessScope (404 outside it, as missing).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { NotFound } from '../../domain/errors.js';
import type { Communications } from '../../services/communications.js';
import { scopeOf } from '../auth.js';
import { jsonBody } from '../json-body.js';
import { errorResponses, IdParam } from '../schemas/common.js';
import { SearchRequestSchema } from '../schemas/search.js';

const security: Array<Record<string, string[]>> = [{ adminToken: [] }, { userToken: [] }];
const anyJson = (description: string) => ({ description, content: { 'application/json': { schema: z.object({}).passthrough() } } });

export function communicationRoutes(communications: Communications) {
  const app = new OpenAPIHono();

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/search',
      tags: ['read'],
      security,
      summary: 'Search communications: full text (q) and the filter AST, answered by the configured engine; cursor paging',
      request: { body: { required: true, content: { 'application/json': { schema: SearchRequestSchema } } } },
      responses: { 200: anyJson('{items, next_cursor, estimated_total, engine}'), ...errorResponses(400, 401, 422, 503) },
    }),
  );
  app.post('/search', jsonBody(SearchRequestSchema), async (c) => {
    const found = await communications.search(scopeOf(c), c.get('body'));
    await c.var.audit.record('search.performed', undefined, { request: c.get('body'), returned: found.items.length });
    return c.json(found);
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/{id}',
      tags: ['read'],
      security,
      summary: 'The whole record of one call or chat',
      request: { params: IdParam },
      responses: { 200: anyJson('The communication'), ...errorResponses(401, 404) },
    }),
  );
  app.get('/:id', async (c) => {
    const id = IdParam.safeParse(c.req.param());
    if (!id.success) throw new NotFound('communication', 'communication_not_found');
    const communication = await communications.get(scopeOf(c), id.data.id);
    await c.var.audit.record('communication.viewed', { type: 'communication', id: id.data.id });
    return c.json(communication);
  });

  return app;
}
