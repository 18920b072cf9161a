// Admin: erasure of one person's data, by client id or by phone, and the deletion acts it leaves.
import type { Context } from 'hono';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Erasure } from '../../services/erasure.js';
import { NotFound } from '../../domain/errors.js';
import { scopeOf } from '../auth.js';
import { jsonBody } from '../json-body.js';
import { errorResponses, IntegrationQuery } from '../schemas/common.js';
import { ErasePhoneSchema, ErasureActSchema, ErasureResultSchema } from '../schemas/retention.js';

const security = [{ adminToken: [] }];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const result = { description: 'Erased: the deletion act', content: { 'application/json': { schema: ErasureResultSchema } } };

export function erasureRoutes(erasure: Erasure) {
  const app = new OpenAPIHono();

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/clients/{client_id}/erase',
      tags: ['admin'],
      security,
      summary: "Erase a client: names, phones, attributes, and their communications' recordings, transcripts, message texts, custom field values and raw payloads; the communications stay as anonymous rows",
      request: { params: z.object({ client_id: z.string().min(1).max(255).openapi({ param: { name: 'client_id', in: 'path' } }) }), query: IntegrationQuery },
      responses: { 200: result, ...errorResponses(401, 403, 404, 422) },
    }),
  );
  app.post('/clients/:client_id/erase', async (c) => c.json(await erased(c, await erasure.eraseClient(scopeOf(c), c.req.param('client_id'), c.get('principal')))));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/erasure',
      tags: ['admin'],
      security,
      summary: 'Erase every client and communication with this phone number, in all integrations',
      request: { body: { required: true, content: { 'application/json': { schema: ErasePhoneSchema } } } },
      responses: { 200: result, ...errorResponses(400, 401, 403, 422) },
    }),
  );
  app.post('/erasure', jsonBody(ErasePhoneSchema), async (c) => c.json(await erased(c, await erasure.erasePhone(c.get('body').phone, c.get('principal')))));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/erasure_acts/{act_id}',
      tags: ['admin'],
      security,
      summary: 'A deletion act (kept 3 years)',
      request: { params: z.object({ act_id: z.uuid().openapi({ param: { name: 'act_id', in: 'path' } }) }) },
      responses: { 200: { description: 'The act', content: { 'application/json': { schema: ErasureActSchema } } }, ...errorResponses(401, 403, 404) },
    }),
  );
  app.get('/erasure_acts/:act_id', async (c) => {
    const id = c.req.param('act_id');
    if (!UUID.test(id)) throw new NotFound('erasure act');
    return c.json(await erasure.act(id.toLowerCase()));
  });

  return app;
}

/** `client.erased` with the act and its counts (never the erased values), before the answer leaves. */
async function erased<T extends { act_id: string; counts: Record<string, number> }>(c: Context, act: T): Promise<T> {
  await c.var.audit.record('client.erased', { type: 'erasure_act', id: act.act_id }, { counts: act.counts });
  return act;
}
