// Authentication middleware: the admin bearer token, integration tokens (bare or Bearer, as PBXes send them)
// and users' session or personal tokens. They set the request's Principal and AccessScope (a supervisor's or
// operator user's limited to its operators' communications), which `scopeOf(c)` hands to the services.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { ALL_INTEGRATIONS, integrationScope, narrowScope, type AccessScope } from '../domain/access-scope.js';
import { Forbidden, NotFound, Unauthorized } from '../domain/errors.js';
import { isAdmin, type Principal, type UserPrincipal } from '../domain/principal.js';
import { validationFailed } from './errors.js';
import { IntegrationQuery } from './schemas/common.js';
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
 * The principal of the request's bearer token — the admin token, a user's session or personal token, or (where
 * `integrations` is given) an integration's token — under AdminAuth's lockout of wrong tokens per client
 * address; sets it and its AccessScope (everything for the admin token and admin users, the token's own
 * integration for an integration, the role's scope for other users — see UserAuth.scope).
 */
async function principalOf(c: Context, auth: AdminAuth, users: UserAuth, integrations?: Integrations): Promise<Principal> {
  const principal: Principal =
    (await auth.authenticate<Principal>(tokenFrom(c.req.header('authorization')), c.var.clientAddress, async (token) => {
      const user = await users.principal(token);
      if (user) return user;
      if (integrations) return { type: 'integration', id: (await integrations.authenticateToken(token)).id };
      throw new Unauthorized();
    })) ?? { type: 'admin_token' };
  c.set('principal', principal);
  c.set('accessScope', principal.type === 'integration' ? integrationScope(principal.id) : principal.type === 'user' ? await users.scope(principal) : ALL_INTEGRATIONS);
  return principal;
}

/** The admin token or a user with the admin role; other users get 403 forbidden. */
export function adminAuth(auth: AdminAuth, users: UserAuth) {
  return createMiddleware(async (c, next) => {
    if (!isAdmin(await principalOf(c, auth, users))) throw new Forbidden('forbidden', 'this route is for admins');
    await next();
  });
}

/** The read API (/api/v1/communications): the admin token and users of every role, each within its AccessScope. */
export function readerAuth(auth: AdminAuth, users: UserAuth) {
  return createMiddleware(async (c, next) => {
    await principalOf(c, auth, users);
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

/**
 * The admin token, an admin user, or any integration's token (the clients API serves chat platforms and admins
 * alike), scoped to every integration or the token's own; other users only where `staffMay` says so (within
 * their scope), else 403.
 */
export function adminOrIntegrationAuth(auth: AdminAuth, users: UserAuth, integrations: Integrations, staffMay: (c: Context, user: UserPrincipal) => boolean = () => false) {
  return createMiddleware(async (c, next) => {
    const principal = await principalOf(c, auth, users, integrations);
    if (principal.type === 'user' && !isAdmin(principal) && !staffMay(c, principal)) throw new Forbidden('forbidden', 'this route is for admins and integrations');
    await next();
  });
}

/**
 * `?integration_id=` narrows the scope to that integration (the admin token naming whose client or tag it
 * means); an integration the scope does not hold leaves it empty, so everything answers 404 as missing.
 */
export function integrationQueryScope(integrations: Integrations) {
  return createMiddleware(async (c, next) => {
    const parsed = IntegrationQuery.safeParse({ integration_id: c.req.query('integration_id') });
    if (!parsed.success) throw validationFailed(parsed.error.issues);
    const named = parsed.data.integration_id?.toLowerCase();
    const scope = scopeOf(c);
    if (named !== undefined && scope.kind === 'all' && !(await integrations.exists(named))) throw new NotFound('integration', 'integration_not_found');
    c.set('accessScope', narrowScope(scope, named));
    await next();
  });
}

/** The AccessScope the authentication middleware computed for this request's token. */
export function scopeOf(c: Context): AccessScope {
  const scope = c.get('accessScope');
  if (!scope) throw new Error('scopeOf() on a route without adminAuth / adminOrIntegrationAuth');
  return scope;
}

declare module 'hono' {
  interface ContextVariableMap {
    accessScope: AccessScope;
    principal: Principal;
  }
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
