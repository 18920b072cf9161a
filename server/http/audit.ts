// Sets `c.var.audit` on every request: one call records an entry with the request's principal (read when
// the entry is recorded, after authentication), client address and user agent, and waits for its commit.
import type { Context, MiddlewareHandler } from 'hono';
import type { AuditActor } from '../domain/audit-chain.js';
import type { Principal } from '../domain/principal.js';
import type { AuditLog, AuditRequest, RequestAudit } from '../services/audit-log.js';

const USER_AGENT_LIMIT = 512;

export function auditActor(principal: Principal | undefined): AuditActor {
  if (principal?.type === 'user') return { type: 'user', id: principal.id, email: principal.email };
  if (principal?.type === 'integration') return { type: 'integration', id: principal.id };
  if (principal?.type === 'admin_token') return { type: 'admin_token', id: null };
  // Signed media URLs carry no principal.
  return { type: 'signed_url', id: null };
}

export function auditRequestOf(c: Context, actor: AuditActor = auditActor(c.get('principal'))): AuditRequest {
  return { actor, ip: c.var.clientAddress, userAgent: (c.req.header('user-agent') ?? '').slice(0, USER_AGENT_LIMIT) };
}

export function auditMiddleware(log: AuditLog): MiddlewareHandler {
  return async (c, next) => {
    c.set('audit', { record: (action, target, details, actor) => log.record(auditRequestOf(c, actor), action, target, details) });
    await next();
  };
}

declare module 'hono' {
  interface ContextVariableMap {
    audit: RequestAudit;
  }
}
