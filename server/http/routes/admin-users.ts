// Admin: users — create (password or invite), change, list, CSV import.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { USER_CSV_COLUMNS, type UserImport } from '../../services/user-import.js';
import type { Users } from '../../services/users.js';
import { jsonBody, validate } from '../json-body.js';
import { readCsv } from '../csv-body.js';
import { errorResponses, IdParam } from '../schemas/common.js';
import { CreatedUserSchema, CreateUserSchema, PatchUserSchema, UserImportReportSchema, UserListQuery, UserSchema } from '../schemas/users.js';

const security = [{ adminToken: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

export function userRoutes(users: Users, importer: UserImport) {
  const app = new OpenAPIHono();

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/',
      tags: ['admin'],
      security,
      summary: 'Create a user (without a password the answer carries a one-time invite_url)',
      request: { body: { required: true, content: { 'application/json': { schema: CreateUserSchema } } } },
      responses: { 201: json(CreatedUserSchema, 'Created'), ...errorResponses(400, 401, 403, 409, 422) },
    }),
  );
  app.post('/', jsonBody(CreateUserSchema), async (c) => {
    const user = await users.create(c.get('body'));
    await c.var.audit.record('user.created', { type: 'user', id: user.id }, { email: user.email, role: user.role });
    return c.json(user, 201);
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['admin'],
      security,
      summary: 'List users by email, paged',
      request: { query: UserListQuery },
      responses: { 200: json(z.object({ items: z.array(UserSchema), next_cursor: z.string().nullable() }), 'Users'), ...errorResponses(401, 403, 422) },
    }),
  );
  app.get('/', async (c) => {
    const query = validate(UserListQuery, c.req.query());
    return c.json(await users.list({ limit: query.limit, after: query.cursor }));
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/{id}',
      tags: ['admin'],
      security,
      summary: 'One user',
      request: { params: IdParam },
      responses: { 200: json(UserSchema, 'The user'), ...errorResponses(401, 403, 404) },
    }),
  );
  app.get('/:id', async (c) => c.json(await users.get(c.req.param('id'))));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'patch',
      path: '/{id}',
      tags: ['admin'],
      security,
      summary: 'Change a user (active: false ends its sessions and tokens at once)',
      request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: PatchUserSchema } } } },
      responses: { 200: json(UserSchema, 'Changed'), ...errorResponses(400, 401, 403, 404, 409, 422) },
    }),
  );
  app.patch('/:id', jsonBody(PatchUserSchema), async (c) => {
    const user = await users.patch(c.req.param('id'), c.get('body'));
    await c.var.audit.record('user.updated', { type: 'user', id: user.id }, { changed: Object.keys(c.get('body')) });
    return c.json(user);
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/import',
      tags: ['admin'],
      security,
      summary: `Import users from CSV with header ${USER_CSV_COLUMNS.join(',')}; departments (separated by ";") are created by name, new users get invites`,
      request: { body: { required: true, content: { 'text/csv': { schema: z.string() } } } },
      responses: { 200: json(UserImportReportSchema, 'Per-line report'), ...errorResponses(400, 401, 403, 413, 422) },
    }),
  );
  app.post('/import', async (c) => {
    const report = await importer.importCsv(await readCsv(c));
    await c.var.audit.record('user.created', undefined, { via: 'csv_import', created: report.created, updated: report.updated, emails: report.invites.map((i) => i.email) });
    return c.json(report);
  });

  return app;
}
