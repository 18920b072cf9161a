// Admin: departments.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Departments } from '../../services/departments.js';
import { jsonBody } from '../json-body.js';
import { errorResponses } from '../schemas/common.js';
import { CreateDepartmentSchema, DepartmentSchema } from '../schemas/admin.js';

const security = [{ adminToken: [] }];

export function departmentRoutes(departments: Departments) {
  const app = new OpenAPIHono();

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/',
      tags: ['admin'],
      security,
      summary: 'Create a department',
      request: { body: { required: true, content: { 'application/json': { schema: CreateDepartmentSchema } } } },
      responses: {
        201: { description: 'Created', content: { 'application/json': { schema: DepartmentSchema } } },
        ...errorResponses(400, 401, 409, 422),
      },
    }),
  );
  app.post('/', jsonBody(CreateDepartmentSchema), async (c) => c.json(await departments.create(c.get('body')), 201));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['admin'],
      security,
      summary: 'List departments',
      responses: {
        200: { description: 'Departments', content: { 'application/json': { schema: z.object({ items: z.array(DepartmentSchema) }) } } },
        ...errorResponses(401),
      },
    }),
  );
  app.get('/', async (c) => c.json({ items: await departments.list() }));

  return app;
}
