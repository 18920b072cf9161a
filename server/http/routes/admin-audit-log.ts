// Admin: the audit log (API.md "Audit log") — pages newest first with filters, and the same as CSV.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AuditLog } from '../../services/audit-log.js';
import { auditFilterOf, AuditFilterQuery, AuditListQuery } from '../../services/audit-query.js';
import { validate } from '../json-body.js';
import { errorResponses } from '../schemas/common.js';

const security = [{ adminToken: [] }];

const AuditEntrySchema = z.object({
  id: z.uuid(),
  at: z.string(),
  actor: z.object({ type: z.enum(['user', 'admin_token', 'integration', 'signed_url']), id: z.string().nullable(), email: z.string().optional() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }).optional(),
  ip: z.string(),
  user_agent: z.string(),
  details: z.record(z.string(), z.unknown()),
});

export function auditLogRoutes(log: AuditLog) {
  const app = new OpenAPIHono();

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/audit_log',
      tags: ['admin'],
      security,
      summary: 'The audit log, newest first, filtered; cursor paging',
      request: { query: AuditListQuery },
      responses: {
        200: { description: 'Entries', content: { 'application/json': { schema: z.object({ items: z.array(AuditEntrySchema), next_cursor: z.string().nullable() }) } } },
        ...errorResponses(401, 403, 422),
      },
    }),
  );
  app.get('/audit_log', async (c) => {
    const query = validate(AuditListQuery, c.req.query());
    return c.json(await log.list({ ...auditFilterOf(query), cursor: query.cursor, limit: query.limit }));
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/audit_log.csv',
      tags: ['admin'],
      security,
      summary: 'The audit log as CSV (same filters, every matching entry, newest first); the download is itself logged',
      request: { query: AuditFilterQuery },
      responses: { 200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } }, ...errorResponses(401, 403, 422) },
    }),
  );
  app.get('/audit_log.csv', async (c) => {
    const query = validate(AuditFilterQuery, c.req.query());
    await c.var.audit.record('export.downloaded', { type: 'audit_log', id: 'csv' }, { filter: query });
    return c.body(log.csv(auditFilterOf(query)), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="audit_log.csv"' });
  });

  return app;
}
