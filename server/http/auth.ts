// Authentication middleware: the admin bearer token, and integration tokens (bare or Bearer, as PBXes send them).
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { Forbidden, NotFound, Unauthorized } from '../domain/errors.js';
import { isAdmin, type Principal, type UserPrincipal } from '../domain/principal.js';
import type { AdminAuth } from '../services/admin-auth.js';
import type { AuthenticatedIntegration, Integrations } from '../services/integrations.js';
import type { UserAuth } from '../services/user-auth.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function tokenFrom(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  const bearer = /^Bearer\s+(.+)$/i.exec(trimmed);
  return (bearer ? bearer[1]! : trimmed) || undefined;
}

/**
 * The principal of the request's bearer token: the admin token, a user's session or personal token, or (where
 * `integrations` is given) an integration's token — under AdminAuth's lockout of wrong tokens per client address.
 */
async function principalOf(c: Context, auth: AdminAuth, users: UserAuth, integrations?: Integrations): Promise<Principal> {
  let principal: Principal = { type: 'admin_token' };
  await auth.authenticate(tokenFrom(c.req.header('authorization')), c.var.clientAddress, async (token) => {
    const user = await users.principal(token);
    if (user) principal = user;
    else if (integrations) principal = { type: 'integration', id: (await integrations.authenticateToken(token)).id };
    else throw new Unauthorized();
  });
  c.set('principal', principal);
  return principal;
}

/** The admin token or a user with the admin role; other users get 403 forbidden. */
export function adminAuth(auth: AdminAuth, users: UserAuth) {
  return createMiddleware(async (c, next) => {
    if (!isAdmin(await principalOf(c, auth, users))) throw new Forbidden('forbidden', 'this route is for admins');
    await next();
  });
}

/** A signed-in user's own routes (/api/v1/me): the admin token is nobody's account. */
export function userAuth(auth: AdminAuth, users: UserAuth) {
  return createMiddleware(async (c, next) => {
    await principalOf(c, auth, users);
    signedInUser(c);
    await next();
  });
}

/** The signed-in user of the request; 403 for the admin token or an integration. */
export function signedInUser(c: Context): UserPrincipal {
  const principal = c.get('principal');
  if (principal?.type !== 'user') throw new Forbidden('forbidden', 'the admin token is not a user; use a user’s token');
  return principal;
}

/** The admin token, an admin user, or any integration's token (the clients API serves chat platforms and admins alike). */
export function adminOrIntegrationAuth(auth: AdminAuth, users: UserAuth, integrations: Integrations) {
  return createMiddleware(async (c, next) => {
    const principal = await principalOf(c, auth, users, integrations);
    if (principal.type === 'user' && !isAdmin(principal)) throw new Forbidden('forbidden', 'this route is for admins and integrations');
    await next();
  });
}

export type IntegrationEnv = { Variables: { integration: AuthenticatedIntegration } };

export function integrationAuth(integrations: Integrations) {
  return createMiddleware<IntegrationEnv>(async (c, next) => {
    const id = c.req.param('integration_id');
    if (!id || !UUID.test(id)) throw new NotFound('integration', 'integration_not_found');
    c.set('integration', await integrations.authenticate(id.toLowerCase(), tokenFrom(c.req.header('authorization'))));
    await next();
  });
}

declare module 'hono' {
  interface ContextVariableMap {
    principal: Principal;
  }
}
