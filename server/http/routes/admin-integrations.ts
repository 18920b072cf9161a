// Admin: integrations (token shown once, rotate).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { NotFound } from '../../domain/errors.js';
import type { Integrations } from '../../services/integrations.js';
import { jsonBody } from '../json-body.js';
import { errorResponses, IdParam } from '../schemas/common.js';
import { CreateIntegrationSchema, IntegrationSchema, IntegrationWithTokenSchema } from '../schemas/admin.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const security = [{ adminToken: [] }];

export function integrationRoutes(integrations: Integrations) {
  const app = new OpenAPIHono();

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/',
      tags: ['admin'],
      security,
      summary: 'Create an integration; the token is shown only in this answer',
      request: { body: { required: true, content: { 'application/json': { schema: CreateIntegrationSchema } } } },
      responses: { 201: json(IntegrationWithTokenSchema, 'Created'), ...errorResponses(400, 401, 422) },
    }),
  );
  app.post('/', jsonBody(CreateIntegrationSchema), async (c) => c.json(await integrations.create(c.get('body')), 201));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['admin'],
      security,
      summary: 'List integrations',
      responses: { 200: json(z.object({ items: z.array(IntegrationSchema) }), 'Integrations'), ...errorResponses(401) },
    }),
  );
  app.get('/', async (c) => c.json({ items: await integrations.list() }));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/{id}/rotate_token',
      tags: ['admin'],
      security,
      summary: 'Replace the token; the old one stops working',
      request: { params: IdParam },
      responses: { 200: json(IntegrationWithTokenSchema, 'New token'), ...errorResponses(401, 404) },
    }),
  );
  app.post('/:id/rotate_token', async (c) => {
    const id = IdParam.safeParse(c.req.param());
    if (!id.success) throw new NotFound('integration', 'integration_not_found');
    const rotated = await integrations.rotateToken(id.data.id);
    await c.var.audit.record('integration.token_rotated', { type: 'integration', id: id.data.id });
    return c.json(rotated);
  });

  return app;
}
