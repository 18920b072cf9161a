// The search request: filter AST, sort, paging.
import { z } from '@hono/zod-openapi';
import { SORTABLE_FIELDS } from '../../domain/sorting.js';

export const FilterNodeSchema = z.unknown().openapi('FilterNode', {
  description:
    '`{"and": [node...]}`, `{"or": [node...]}` or `{"field", "op", "value"}`. Fields: kind, uid, operator_id, operator_external_id, ' +
    'department_id, integration_id, direction, started_at, duration, client_id, client_phone, tags, nps, cf.<key> (custom fields flagged ' +
    'used_for_filtering). Ops: eq, ne, in, nin, gt, gte, lt, lte, between ([a, b]), contains, exists, not_exists — as fit the field type.',
  example: { and: [{ field: 'direction', op: 'eq', value: 'incoming' }, { field: 'cf.topic', op: 'in', value: ['Поддержка'] }] },
});

export const SearchRequestSchema = z
  .object({
    q: z.string().max(1000).optional().openapi({ description: 'Full text over transcripts, messages, client names and phones; case-insensitive; results carry a `highlight` excerpt' }),
    filter: FilterNodeSchema.optional(),
    sort: z
      .array(z.object({ field: z.enum(SORTABLE_FIELDS), dir: z.enum(['asc', 'desc']).default('desc') }))
      .max(3)
      .optional(),
    limit: z.number().int().min(1).max(500).optional(),
    cursor: z.string().max(2000).optional(),
  })
  .openapi('SearchRequest');
