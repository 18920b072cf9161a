// Sign-in of users (API.md "People, roles and access"): email + password for a 12 h session token,
// accepting an invite (sets the first password), signing out.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { UserAuth } from '../../services/user-auth.js';
import type { UserTokens } from '../../services/user-tokens.js';
import { tokenFrom } from '../auth.js';
import { jsonBody } from '../json-body.js';
import { errorResponses } from '../schemas/common.js';
import { AcceptInviteSchema, LoginSchema, SignedInSchema } from '../schemas/users.js';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

export function signInRoutes(auth: UserAuth, tokens: UserTokens) {
  const app = new OpenAPIHono();

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/login',
      tags: ['auth'],
      summary: 'Sign in with email and password (401 invalid_credentials alike for an unknown email and a wrong password; 429 after repeated failures)',
      request: { body: { required: true, content: { 'application/json': { schema: LoginSchema } } } },
      responses: { 200: json(SignedInSchema, 'Signed in'), ...errorResponses(400, 401, 422, 429) },
    }),
  );
  app.post('/login', jsonBody(LoginSchema), async (c) => {
    const { email, password } = c.get('body');
    return c.json(await auth.login(email, password, c.var.clientAddress, c.var.audit));
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/invite',
      tags: ['auth'],
      summary: 'Accept an invite: set the password (the invite is used up) and sign in',
      request: { body: { required: true, content: { 'application/json': { schema: AcceptInviteSchema } } } },
      responses: { 200: json(SignedInSchema, 'Signed in'), ...errorResponses(400, 422) },
    }),
  );
  app.post('/invite', jsonBody(AcceptInviteSchema), async (c) => {
    const { token, password } = c.get('body');
    return c.json(await auth.acceptInvite(token, password));
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/logout',
      tags: ['auth'],
      security: [{ userToken: [] }],
      summary: 'End the session of the bearer session token',
      responses: { 204: { description: 'Signed out (also when the session had ended)' } },
    }),
  );
  app.post('/logout', async (c) => {
    const token = tokenFrom(c.req.header('authorization'));
    if (token) await tokens.endSession(token);
    return c.body(null, 204);
  });

  return app;
}
