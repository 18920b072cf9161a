// Authentication middleware: the admin bearer token, and integration tokens (bare or Bearer, as PBXes send them).
// Both set the caller's AccessScope, which `scopeOf(c)` hands to the services.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { ALL_INTEGRATIONS, integrationScope, narrowScope, type AccessScope } from '../domain/access-scope.js';
import { NotFound } from '../domain/errors.js';
import { validationFailed } from './errors.js';
import { IntegrationQuery } from './schemas/common.js';
import type { AdminAuth } from '../services/admin-auth.js';
import type { AuthenticatedIntegration, Integrations } from '../services/integrations.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function tokenFrom(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  const bearer = /^Bearer\s+(.+)$/i.exec(trimmed);
  return (bearer ? bearer[1]! : trimmed) || undefined;
}

export function adminAuth(auth: AdminAuth) {
  return createMiddleware(async (c, next) => {
    await auth.authenticate(tokenFrom(c.req.header('authorization')), c.var.clientAddress);
    c.set('accessScope', ALL_INTEGRATIONS);
    await next();
  });
}

/**
 * The admin token or any integration's token (the clients API serves chat platforms and admins alike). The
 * scope is every integration for the admin token, the token's own integration otherwise.
 */
export function adminOrIntegrationAuth(auth: AdminAuth, integrations: Integrations) {
  return createMiddleware(async (c, next) => {
    const integration = await auth.authenticate(tokenFrom(c.req.header('authorization')), c.var.clientAddress, (token) => integrations.authenticateToken(token));
    c.set('accessScope', integration ? integrationScope(integration.id) : ALL_INTEGRATIONS);
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
