// Authentication middleware: the admin bearer token, and integration tokens (bare or Bearer, as PBXes send them).
import { createMiddleware } from 'hono/factory';
import { NotFound } from '../domain/errors.js';
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
    await next();
  });
}

/** The admin token or any integration's token (the clients API serves chat platforms and admins alike). */
export function adminOrIntegrationAuth(auth: AdminAuth, integrations: Integrations) {
  return createMiddleware(async (c, next) => {
    await auth.authenticate(tokenFrom(c.req.header('authorization')), c.var.clientAddress, (token) => integrations.authenticateToken(token));
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
