// The audit log's filters as the API and the console take them (API.md "Audit log"): zod schemas of the query
// string and their translation to the repository's filter.
import { z } from '@hono/zod-openapi';
import { AUDIT_ACTIONS } from '../domain/audit-chain.js';
import type { AuditFilter } from '../db/repositories/audit-log.js';

export const AuditFilterQuery = z
  .object({
    actor: z.string().min(1).max(320).optional().openapi({ description: 'A user id or email, an integration id, or admin_token' }),
    action: z.enum(AUDIT_ACTIONS).optional(),
    target_type: z.string().min(1).max(64).optional(),
    target_id: z.string().min(1).max(255).optional(),
    from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Entries at or after this time' }),
    to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Entries before this time' }),
  })
  .strict();

export const AuditListQuery = AuditFilterQuery.extend({
  cursor: z.string().min(1).max(64).optional().openapi({ description: 'next_cursor of the previous page' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
}).strict();

export type AuditFilterInput = z.output<typeof AuditFilterQuery>;

export function auditFilterOf(query: AuditFilterInput): Omit<AuditFilter, 'beforeSeq'> {
  return {
    actor: query.actor,
    action: query.action,
    targetType: query.target_type,
    targetId: query.target_id,
    from: query.from !== undefined ? new Date(query.from) : undefined,
    to: query.to !== undefined ? new Date(query.to) : undefined,
  };
}
