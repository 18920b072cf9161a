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
    c.set('audit', {
      record: (action, target, details, actor) => log.record(auditRequestOf(c, actor), action, target, details),
      recordPlayback: (recording) => log.recordPlayback(auditRequestOf(c), recording),
    });
    await next();
  };
}

declare module 'hono' {
  interface ContextVariableMap {
    audit: RequestAudit;
  }
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Admin writes that change settings, by path: [prefix, target type]; runs and replays are not settings. */
const SETTINGS = new Map<string, string>([
  ['/api/v1/admin/custom_fields', 'custom_field'],
  ['/api/v1/admin/crm_connectors', 'crm_connector'],
  ['/api/v1/admin/sources', 'source'],
  ['/api/v1/admin/retention', 'retention'],
  ['/console/custom-fields', 'custom_field'],
  ['/console/crm', 'crm_connector'],
  ['/console/sources', 'source'],
  ['/console/retention', 'retention'],
]);
const NOT_SETTINGS = /\/(run|deliveries)(\/|$)/;

/**
 * `settings.changed` after each successful admin write to custom fields, CRM connectors and sources (an API
 * answer of 2xx, a console form's redirect or created page), before the answer leaves. The target is the
 * path's id, or the created resource's.
 */
export function settingsChangeAudit(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!WRITES.has(c.req.method) || NOT_SETTINGS.test(c.req.path)) return;
    const prefix = [...SETTINGS.keys()].find((p) => c.req.path === p || c.req.path.startsWith(`${p}/`));
    if (prefix === undefined) return;
    const api = prefix.startsWith('/api/');
    const status = c.res.status;
    if (api ? status < 200 || status >= 300 : status !== 303 && status !== 201) return;
    const segment = c.req.path.slice(prefix.length).split('/').find((s) => s !== '' && s !== 'connectors' && s !== 'new');
    const id = segment !== undefined ? decodeURIComponent(segment) : api ? await createdId(c.res) : undefined;
    await c.var.audit.record('settings.changed', id !== undefined ? { type: SETTINGS.get(prefix)!, id } : undefined, { method: c.req.method, path: c.req.path });
  };
}

async function createdId(response: Response): Promise<string | undefined> {
  if (!response.headers.get('content-type')?.includes('json')) return undefined;
  const body: unknown = await response.clone().json().catch(() => undefined);
  if (body === null || typeof body !== 'object') return undefined;
  const id = Object.hasOwn(body, 'id') ? (body as { id: unknown }).id : Object.hasOwn(body, 'key') ? (body as { key: unknown }).key : undefined;
  return typeof id === 'string' ? id : undefined;
}
