// Admin: operators — create, patch, list, CSV import.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { NotFound } from '../../domain/errors.js';
import { OPERATOR_CSV_COLUMNS } from '../../services/operator-import.js';
import type { Operators } from '../../services/operators.js';
import { jsonBody, validate } from '../json-body.js';
import { readCsv } from '../csv-body.js';
import { errorResponses, IdParam } from '../schemas/common.js';
import { CreateOperatorSchema, ImportReportSchema, OperatorListQuery, OperatorSchema, PatchOperatorSchema } from '../schemas/admin.js';

const security = [{ adminToken: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

export function operatorRoutes(operators: Operators) {
  const app = new OpenAPIHono();

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/',
      tags: ['admin'],
      security,
      summary: 'Create an operator',
      request: { body: { required: true, content: { 'application/json': { schema: CreateOperatorSchema } } } },
      responses: { 201: json(OperatorSchema, 'Created'), ...errorResponses(400, 401, 409, 422) },
    }),
  );
  app.post('/', jsonBody(CreateOperatorSchema), async (c) => c.json(await operators.create(c.get('body')), 201));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['admin'],
      security,
      summary: 'List operators by external_id, paged',
      request: { query: OperatorListQuery },
      responses: { 200: json(z.object({ items: z.array(OperatorSchema), next_cursor: z.string().nullable() }), 'Operators'), ...errorResponses(401, 422) },
    }),
  );
  app.get('/', async (c) => c.json(await operators.list(validate(OperatorListQuery, c.req.query()))));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'patch',
      path: '/{id}',
      tags: ['admin'],
      security,
      summary: 'Change an operator (deactivate with active: false)',
      request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: PatchOperatorSchema } } } },
      responses: { 200: json(OperatorSchema, 'Changed'), ...errorResponses(400, 401, 404, 409, 422) },
    }),
  );
  app.patch('/:id', jsonBody(PatchOperatorSchema), async (c) => {
    const id = IdParam.safeParse(c.req.param());
    if (!id.success) throw new NotFound('operator', 'operator_not_found');
    return c.json(await operators.patch(id.data.id, c.get('body')));
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/import',
      tags: ['admin'],
      security,
      summary: `Import operators from CSV with header ${OPERATOR_CSV_COLUMNS.join(',')}; departments are created by name`,
      request: { body: { required: true, content: { 'text/csv': { schema: z.string() } } } },
      responses: { 200: json(ImportReportSchema, 'Per-line report'), ...errorResponses(400, 401, 413, 422) },
    }),
  );
  app.post('/import', async (c) => c.json(await operators.importCsv(await readCsv(c))));

  return app;
}
