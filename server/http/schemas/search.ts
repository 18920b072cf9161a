// The search request: filter AST, sort, paging.
import { z } from '@hono/zod-openapi';
import { SORTABLE_FIELDS } from '../../domain/sorting.js';
import { absent } from './common.js';

export const FilterNodeSchema = z.unknown().openapi('FilterNode', {
  description:
    '`{"and": [node...]}`, `{"or": [node...]}` or `{"field", "op", "value"}`. Fields: kind, uid, operator_id, operator_external_id, ' +
    'department_id, integration_id, direction, started_at, duration, client_id, client_phone, tags, nps, cf.<key> (custom fields flagged ' +
    'used_for_filtering). Ops: eq, ne, in, nin, gt, gte, lt, lte, between ([a, b]), contains, exists, not_exists — as fit the field type.',
  example: { and: [{ field: 'direction', op: 'eq', value: 'incoming' }, { field: 'cf.topic', op: 'in', value: ['Поддержка'] }] },
});

export const SearchRequestSchema = z
  .object({
    q: absent(z.string().max(1000)).openapi({ description: 'Full text over transcripts, messages, client names and phones; case-insensitive; results carry a `highlight` excerpt' }),
    filter: absent(FilterNodeSchema),
    sort: absent(z.array(z.object({ field: z.enum(SORTABLE_FIELDS), dir: z.enum(['asc', 'desc']).default('desc') })).max(3)),
    limit: absent(z.number().int().min(1).max(500)),
    cursor: absent(z.string().max(2000)),
  })
  .openapi('SearchRequest');
