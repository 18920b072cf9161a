// Admin: custom field definitions.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { NotFound } from '../../domain/errors.js';
import type { CustomFields } from '../../services/custom-fields.js';
import { jsonBody } from '../json-body.js';
import { errorResponses } from '../schemas/common.js';
import { CustomFieldKey, CustomFieldSchema, DefineCustomFieldSchema, PatchCustomFieldSchema } from '../schemas/admin.js';

const security = [{ adminToken: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const KeyParam = z.object({ key: CustomFieldKey.openapi({ param: { name: 'key', in: 'path' } }) });

export function customFieldRoutes(customFields: CustomFields) {
  const app = new OpenAPIHono();
  const keyOf = (param: Record<string, string>) => {
    const parsed = KeyParam.safeParse(param);
    if (!parsed.success) throw new NotFound('custom field', 'custom_field_not_found');
    return parsed.data.key;
  };

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/',
      tags: ['admin'],
      security,
      summary: 'Define a custom field',
      request: { body: { required: true, content: { 'application/json': { schema: DefineCustomFieldSchema } } } },
      responses: { 201: json(CustomFieldSchema, 'Defined'), ...errorResponses(400, 401, 409, 422) },
    }),
  );
  app.post('/', jsonBody(DefineCustomFieldSchema), async (c) => c.json(await customFields.define(c.get('body')), 201));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['admin'],
      security,
      summary: 'List custom fields (archived included, flagged)',
      responses: { 200: json(z.object({ items: z.array(CustomFieldSchema) }), 'Custom fields'), ...errorResponses(401) },
    }),
  );
  app.get('/', async (c) => c.json({ items: await customFields.list() }));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'patch',
      path: '/{key}',
      tags: ['admin'],
      security,
      summary: 'Rename, change flags, add enum options (the type never changes)',
      request: { params: KeyParam, body: { required: true, content: { 'application/json': { schema: PatchCustomFieldSchema } } } },
      responses: { 200: json(CustomFieldSchema, 'Changed'), ...errorResponses(400, 401, 404, 422) },
    }),
  );
  app.patch('/:key', jsonBody(PatchCustomFieldSchema), async (c) => c.json(await customFields.patch(keyOf(c.req.param()), c.get('body'))));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'delete',
      path: '/{key}',
      tags: ['admin'],
      security,
      summary: 'Archive a custom field; stored values stay',
      request: { params: KeyParam },
      responses: { 200: json(CustomFieldSchema, 'Archived'), ...errorResponses(401, 404) },
    }),
  );
  app.delete('/:key', async (c) => c.json(await customFields.archive(keyOf(c.req.param()))));

  return app;
}
