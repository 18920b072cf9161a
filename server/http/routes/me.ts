// The signed-in user: who am I, and my personal API tokens (each acts as its user; shown once).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { NotFound } from '../../domain/errors.js';
import type { UserTokens } from '../../services/user-tokens.js';
import type { Users } from '../../services/users.js';
import { signedInUser } from '../auth.js';
import { jsonBody } from '../json-body.js';
import { errorResponses, IdParam } from '../schemas/common.js';
import { CreatedTokenSchema, CreateTokenSchema, PersonalTokenSchema, UserSchema } from '../schemas/users.js';

const security = [{ userToken: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

/** The signed-in user's id. */
const me = (c: Context) => signedInUser(c).id;

export function meRoutes(users: Users, tokens: UserTokens) {
  const app = new OpenAPIHono();

  app.openAPIRegistry.registerPath(
    createRoute({ method: 'get', path: '/', tags: ['me'], security, summary: 'The signed-in user', responses: { 200: json(UserSchema, 'The user'), ...errorResponses(401, 403) } }),
  );
  app.get('/', async (c) => c.json(await users.get(me(c))));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/tokens',
      tags: ['me'],
      security,
      summary: 'Create a personal API token (shown only in this answer)',
      request: { body: { required: true, content: { 'application/json': { schema: CreateTokenSchema } } } },
      responses: { 201: json(CreatedTokenSchema, 'Created'), ...errorResponses(400, 401, 403, 422) },
    }),
  );
  app.post('/tokens', jsonBody(CreateTokenSchema), async (c) => {
    const { name, expires_in_days } = c.get('body');
    const token = await tokens.createPersonal(me(c), name, expires_in_days);
    await c.var.audit.record('token.created', { type: 'user_token', id: token.id }, { name, expires_in_days });
    return c.json(token, 201);
  });

  app.openAPIRegistry.registerPath(
    createRoute({ method: 'get', path: '/tokens', tags: ['me'], security, summary: 'My personal API tokens', responses: { 200: json(z.object({ items: z.array(PersonalTokenSchema) }), 'Tokens'), ...errorResponses(401, 403) } }),
  );
  app.get('/tokens', async (c) => c.json({ items: await tokens.listPersonal(me(c)) }));

  app.openAPIRegistry.registerPath(
    createRoute({ method: 'get', path: '/tokens/{id}', tags: ['me'], security, summary: 'One of my personal API tokens', request: { params: IdParam }, responses: { 200: json(PersonalTokenSchema, 'The token'), ...errorResponses(401, 403, 404) } }),
  );
  app.get('/tokens/:id', async (c) => {
    const found = (await tokens.listPersonal(me(c))).find((t) => t.id === c.req.param('id'));
    if (!found) throw new NotFound('token', 'token_not_found');
    return c.json(found);
  });

  app.openAPIRegistry.registerPath(
    createRoute({ method: 'delete', path: '/tokens/{id}', tags: ['me'], security, summary: 'Revoke one of my personal API tokens', request: { params: IdParam }, responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404) } }),
  );
  app.delete('/tokens/:id', async (c) => {
    if (!(await tokens.revokePersonal(me(c), c.req.param('id')))) throw new NotFound('token', 'token_not_found');
    return c.body(null, 204);
  });

  return app;
}
