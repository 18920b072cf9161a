// Admin: CRM connectors (secrets never shown back) and the delivery log with replay.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { CrmConnectors } from '../../services/crm-connectors.js';
import { CreateConnectorSchema, PatchConnectorSchema } from '../../services/crm-connectors.js';
import type { CrmDeliveryLog } from '../../services/crm-delivery-log.js';
import { validationFailed } from '../errors.js';
import { jsonBody, parseJsonBytes, validate } from '../json-body.js';
import { errorResponses, IdParam } from '../schemas/common.js';

const security = [{ adminToken: [] }];
const anyJson = (description: string) => ({ description, content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } });
const ActivateSchema = z.object({ resend_days: z.number().int().min(0).max(30).default(3) }).strict();
const DeliveryQuery = z.object({
  state: z.enum(['pending', 'delivered', 'dead', 'paused']).optional(),
  connector: z.uuid().optional(),
  communication: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
const ReplaySchema = z
  .object({ state: z.enum(['delivered', 'dead', 'paused']).optional(), connector: z.uuid().optional(), since: z.iso.datetime({ offset: true }).optional(), until: z.iso.datetime({ offset: true }).optional() })
  .strict();

export function crmConnectorRoutes(connectors: CrmConnectors) {
  const app = new OpenAPIHono();
  const route = (spec: Parameters<typeof createRoute>[0]) => app.openAPIRegistry.registerPath(createRoute({ tags: ['admin'], security, ...spec }));

  route({ method: 'post', path: '/', summary: 'Create a CRM connector (rules and config checked; generated secrets shown once)', request: { body: { required: true, content: { 'application/json': { schema: CreateConnectorSchema } } } }, responses: { 201: anyJson('The connector'), ...errorResponses(400, 401, 422) } });
  app.post('/', jsonBody(CreateConnectorSchema), async (c) => c.json(await connectors.create(c.get('body')), 201));
  route({ method: 'get', path: '/', summary: 'List CRM connectors', responses: { 200: anyJson('{items}'), ...errorResponses(401) } });
  app.get('/', async (c) => c.json({ items: await connectors.list() }));
  route({ method: 'get', path: '/{id}', summary: 'One CRM connector', request: { params: IdParam }, responses: { 200: anyJson('The connector'), ...errorResponses(401, 404) } });
  app.get('/:id', async (c) => c.json(await connectors.get(c.req.param('id'))));
  route({ method: 'patch', path: '/{id}', summary: 'Change a CRM connector (name, config, rules, secrets, concurrency)', request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: PatchConnectorSchema } } } }, responses: { 200: anyJson('The connector'), ...errorResponses(400, 401, 404, 422) } });
  app.patch('/:id', jsonBody(PatchConnectorSchema), async (c) => c.json(await connectors.patch(c.req.param('id'), c.get('body'))));
  route({ method: 'post', path: '/{id}/activate', summary: 'Activate; deliveries paused or dead-lettered in the last resend_days days (default 3) go out again once', request: { params: IdParam, body: { required: false, content: { 'application/json': { schema: ActivateSchema } } } }, responses: { 200: anyJson('The connector with resent count'), ...errorResponses(400, 401, 404, 422) } });
  app.post('/:id/activate', async (c) => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const { resend_days } = validate(ActivateSchema, bytes.length === 0 ? {} : parseJsonBytes(bytes));
    return c.json(await connectors.activate(c.req.param('id'), resend_days));
  });
  route({ method: 'post', path: '/{id}/deactivate', summary: 'Deactivate: no new deliveries are made for it', request: { params: IdParam }, responses: { 200: anyJson('The connector'), ...errorResponses(401, 404) } });
  app.post('/:id/deactivate', async (c) => c.json(await connectors.deactivate(c.req.param('id'))));
  return app;
}

export function crmDeliveryRoutes(deliveries: CrmDeliveryLog) {
  const app = new OpenAPIHono();
  const route = (spec: Parameters<typeof createRoute>[0]) => app.openAPIRegistry.registerPath(createRoute({ tags: ['admin'], security, ...spec }));

  route({ method: 'get', path: '/', summary: 'The delivery log, newest first (?state=&connector=&communication=&limit=)', request: { query: DeliveryQuery }, responses: { 200: anyJson('{items}'), ...errorResponses(401, 422) } });
  app.get('/', async (c) => {
    const parsed = DeliveryQuery.safeParse(c.req.query());
    if (!parsed.success) throw validationFailed(parsed.error.issues);
    const q = parsed.data;
    return c.json({ items: await deliveries.list({ state: q.state, connector_id: q.connector, communication_id: q.communication }, q.limit) });
  });
  route({ method: 'post', path: '/replay', summary: 'Replay every delivery matching a filter (state, connector, since, until)', request: { body: { required: true, content: { 'application/json': { schema: ReplaySchema } } } }, responses: { 200: anyJson('{matched}'), ...errorResponses(400, 401, 422) } });
  app.post('/replay', jsonBody(ReplaySchema), async (c) => {
    const f = c.get('body');
    return c.json(await deliveries.replayMatching({ state: f.state, connector_id: f.connector, since: f.since ? new Date(f.since) : undefined, until: f.until ? new Date(f.until) : undefined }));
  });
  route({ method: 'get', path: '/{id}', summary: 'One delivery with every attempt (request summary, response status and excerpt, error)', request: { params: IdParam }, responses: { 200: anyJson('The delivery'), ...errorResponses(401, 404) } });
  app.get('/:id', async (c) => c.json(await deliveries.get(c.req.param('id'))));
  route({ method: 'post', path: '/{id}/replay', summary: 'Send one delivery again (a fresh retry budget; the same delivery key)', request: { params: IdParam }, responses: { 200: anyJson('The delivery'), ...errorResponses(401, 404) } });
  app.post('/:id/replay', async (c) => c.json(await deliveries.replay(c.req.param('id'))));
  return app;
}
