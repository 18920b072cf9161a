// Admin: PBX pull sources — define, list, change, and run now.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { PullSources } from '../../services/pull-sources.js';
import { CreateSourceSchema, UpdateSourceSchema } from '../../sources/config.js';
import { SourceUnreachable } from '../../sources/port.js';
import { jsonBody } from '../json-body.js';
import { errorResponses, IdParam } from '../schemas/common.js';

const security = [{ adminToken: [] }];
const anyJson = (description: string) => ({ description, content: { 'application/json': { schema: z.object({}).passthrough() } } });

export function sourceRoutes(sources: PullSources) {
  const app = new OpenAPIHono();

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/',
      tags: ['admin'],
      security,
      summary: 'Define a pull source (Asterisk CDR CSV or SQL, Asterisk ARI, Oktell); its file, database or server is read once to check it',
      request: { body: { required: true, content: { 'application/json': { schema: CreateSourceSchema } } } },
      responses: { 201: anyJson('The source (passwords hidden)'), ...errorResponses(400, 401, 422) },
    }),
  );
  app.post('/', jsonBody(CreateSourceSchema), async (c) => c.json(await sources.create(c.get('body')), 201));

  app.openAPIRegistry.registerPath(
    createRoute({ method: 'get', path: '/', tags: ['admin'], security, summary: 'List pull sources with their cursor and last run', responses: { 200: anyJson('{items}'), ...errorResponses(401) } }),
  );
  app.get('/', async (c) => c.json({ items: await sources.list() }));

  app.openAPIRegistry.registerPath(
    createRoute({ method: 'get', path: '/{id}', tags: ['admin'], security, summary: 'One pull source', request: { params: IdParam }, responses: { 200: anyJson('The source'), ...errorResponses(401, 404) } }),
  );
  app.get('/:id', async (c) => c.json(await sources.get(c.req.param('id'))));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'patch',
      path: '/{id}',
      tags: ['admin'],
      security,
      summary: 'Change name, schedule, active, or config keys (merged into the stored config and checked again)',
      request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: UpdateSourceSchema } } } },
      responses: { 200: anyJson('The source'), ...errorResponses(400, 401, 404, 422) },
    }),
  );
  app.patch('/:id', jsonBody(UpdateSourceSchema), async (c) => c.json(await sources.update(c.req.param('id'), c.get('body'))));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/{id}/run',
      tags: ['admin'],
      security,
      summary: 'Pull now; answers when the run ends: {status: "ok" | "failed", error, stats}. A failed run keeps its cursor.',
      request: { params: IdParam },
      responses: { 200: anyJson('The run'), ...errorResponses(401, 404, 409) },
    }),
  );
  app.post('/:id/run', async (c) => {
    try {
      return c.json({ status: 'ok', error: null, stats: await sources.run(c.req.param('id')) });
    } catch (error) {
      if (!(error instanceof SourceUnreachable)) throw error;
      const source = await sources.get(c.req.param('id'));
      return c.json({ status: 'failed', error: error.message, stats: source.last_stats });
    }
  });

  return app;
}
