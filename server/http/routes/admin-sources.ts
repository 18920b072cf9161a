// Admin: PBX pull sources — define, list, change, run now, re-pull a time window, and the run history
// with each run's rejected rows.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { PullSources } from '../../services/pull-sources.js';
import { RepullWindowSchema as RepullSchema } from '../../services/source-window.js';
import { CreateSourceSchema, UpdateSourceSchema } from '../../sources/config.js';
import { SourceUnreachable } from '../../sources/port.js';
import { validationFailed } from '../errors.js';
import { jsonBody } from '../json-body.js';
import { errorResponses, IdParam } from '../schemas/common.js';

const security = [{ adminToken: [] }];
const anyJson = (description: string) => ({ description, content: { 'application/json': { schema: z.object({}).passthrough() } } });
const RunListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().regex(/^\d{1,18}$/, 'a next_cursor').optional().openapi({ description: 'next_cursor of the previous page' }),
});
const RejectionQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().regex(/^\d{1,9}$/, 'a next_cursor').optional().openapi({ description: 'next_cursor of the previous page' }),
});
const RunParams = IdParam.extend({ run_id: z.string().openapi({ param: { name: 'run_id', in: 'path' } }) });
const query = <S extends z.ZodType>(schema: S, raw: Record<string, string>): z.output<S> => {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw validationFailed(parsed.error.issues);
  return parsed.data;
};

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

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/{id}/repull',
      tags: ['admin'],
      security,
      summary:
        'Re-pull the records started in [from, to): read from the window, not the cursor (which stays); records never read or skipped before are taken, imported ones left (idempotent). Answers like run; with dry_run: {dry_run, read, to_take, calls, seen_before, rejected, rejected_samples}, nothing written.',
      request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: RepullSchema } } } },
      responses: { 200: anyJson('The run, or the dry run report'), ...errorResponses(400, 401, 404, 409, 422) },
    }),
  );
  app.post('/:id/repull', jsonBody(RepullSchema), async (c) => {
    const { from, to, dry_run } = c.get('body');
    const window = { from: new Date(from), to: new Date(to) };
    try {
      const result = await sources.repullWindow(c.req.param('id'), window, dry_run);
      return c.json('dry_run' in result ? result : { status: 'ok', error: null, stats: result });
    } catch (error) {
      if (!(error instanceof SourceUnreachable)) throw error;
      if (dry_run) return c.json({ status: 'failed', error: error.message, stats: null });
      const source = await sources.get(c.req.param('id'));
      return c.json({ status: 'failed', error: error.message, stats: source.last_stats });
    }
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/{id}/runs',
      tags: ['admin'],
      security,
      summary: 'Run history, newest first (scheduled, manual and re-pull runs; kept 30 days, at least the newest 100): {items: [{id, trigger, status, error, window, started_at, finished_at, counts: {read, imported, updated, rejected, recordings}, stats}], next_cursor}',
      request: { params: IdParam, query: RunListQuery },
      responses: { 200: anyJson('{items, next_cursor}'), ...errorResponses(401, 404, 422) },
    }),
  );
  app.get('/:id/runs', async (c) => {
    const q = query(RunListQuery, c.req.query());
    return c.json(await sources.runs.list(c.req.param('id'), { limit: q.limit, before: q.before }));
  });

  app.openAPIRegistry.registerPath(
    createRoute({ method: 'get', path: '/{id}/runs/{run_id}', tags: ['admin'], security, summary: 'One run', request: { params: RunParams }, responses: { 200: anyJson('The run'), ...errorResponses(401, 404) } }),
  );
  app.get('/:id/runs/:run_id', async (c) => c.json(await sources.runs.get(c.req.param('id'), c.req.param('run_id'))));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/{id}/runs/{run_id}/rejected',
      tags: ['admin'],
      security,
      summary: 'The rows a run rejected, in the order read: {items: [{position, at, reason, raw}], next_cursor} (at most 10000 kept per run)',
      request: { params: RunParams, query: RejectionQuery },
      responses: { 200: anyJson('{items, next_cursor}'), ...errorResponses(401, 404, 422) },
    }),
  );
  app.get('/:id/runs/:run_id/rejected', async (c) => {
    const q = query(RejectionQuery, c.req.query());
    return c.json(await sources.runs.rejections(c.req.param('id'), c.req.param('run_id'), { limit: q.limit, after: q.after === undefined ? undefined : Number(q.after) }));
  });

  return app;
}
