// Admin: the audit log (API.md "Audit log") — pages newest first with filters, and the same as CSV.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { AUDIT_ACTIONS } from '../../domain/audit-chain.js';
import type { AuditLog } from '../../services/audit-log.js';
import { validate } from '../json-body.js';
import { errorResponses } from '../schemas/common.js';

const security = [{ adminToken: [] }];

const AuditFilterQuery = z
  .object({
    actor: z.string().min(1).max(320).optional().openapi({ description: 'A user id or email, an integration id, or admin_token' }),
    action: z.enum(AUDIT_ACTIONS).optional(),
    target_type: z.string().min(1).max(64).optional(),
    target_id: z.string().min(1).max(255).optional(),
    from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Entries at or after this time' }),
    to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Entries before this time' }),
  })
  .strict();
const AuditListQuery = AuditFilterQuery.extend({
  cursor: z.string().min(1).max(64).optional().openapi({ description: 'next_cursor of the previous page' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
}).strict();

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

function filterOf(query: z.output<typeof AuditFilterQuery>) {
  return {
    actor: query.actor,
    action: query.action,
    targetType: query.target_type,
    targetId: query.target_id,
    from: query.from !== undefined ? new Date(query.from) : undefined,
    to: query.to !== undefined ? new Date(query.to) : undefined,
  };
}

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
    return c.json(await log.list({ ...filterOf(query), cursor: query.cursor, limit: query.limit }));
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
    const chunks = log.csv(filterOf(query));
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(new TextEncoder().encode(next.value));
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
    return c.body(body, 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="audit_log.csv"' });
  });

  return app;
}
