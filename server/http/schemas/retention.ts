// Schemas of the retention settings and of erasure (API.md "Retention and erasure").
import { z } from '@hono/zod-openapi';
import { requiredText } from './common.js';

/** Days a part is kept; null (or left out) keeps it forever. At most 100 years. */
const days = z.number().int().min(1).max(36_500).nullable().optional();

export const RetentionPeriodsSchema = z
  .object({ recordings_days: days, transcripts_days: days, communications_days: days })
  .strict()
  .transform((p) => ({ recordings_days: p.recordings_days ?? null, transcripts_days: p.transcripts_days ?? null, communications_days: p.communications_days ?? null }))
  .openapi('RetentionPeriods', { description: 'Days after a communication started that its recording, its transcript and message texts, and the communication itself are kept; null keeps forever.' });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Integration id → periods. Every own key of the body is checked first: zod's record leaves `__proto__`
 * (an own key of parsed JSON) out silently, and a key the API ignored must not pass for one it took.
 */
const integrationPeriods = z
  .unknown()
  .superRefine((value, ctx) => {
    if (typeof value !== 'object' || value === null) return;
    for (const key of Object.keys(value)) if (!UUID.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'must be an integration id (a UUID)' });
  })
  .pipe(z.record(z.uuid(), RetentionPeriodsSchema))
  .openapi({ type: 'object', additionalProperties: { $ref: '#/components/schemas/RetentionPeriods' }, description: "Integration id → that integration's own periods (replacing the default for it)." });

export const RetentionSettingsSchema = z
  .object({
    default: RetentionPeriodsSchema,
    integrations: integrationPeriods.optional(),
  })
  .strict()
  .openapi('RetentionSettings');

const periodsView = z.object({ recordings_days: z.number().int().nullable(), transcripts_days: z.number().int().nullable(), communications_days: z.number().int().nullable() });
export const RetentionViewSchema = z.object({ default: periodsView, integrations: z.record(z.string(), periodsView) }).openapi('RetentionSettingsView');

export const ErasePhoneSchema = z.object({ phone: requiredText(64) }).strict().openapi('ErasureByPhone');

const counts = z.record(z.string(), z.number().int());
export const ErasureResultSchema = z.object({ act_id: z.uuid(), erased_at: z.string(), counts }).openapi('ErasureResult');
export const ErasureActSchema = z
  .object({
    act_id: z.uuid(),
    erased_at: z.string(),
    keep_until: z.string(),
    subject: z.object({ type: z.enum(['client', 'phone']), integration_id: z.uuid().nullable(), hash: z.string().openapi({ description: 'HMAC-SHA256 of the erased subject under the installation key: proves which subject the act covers without keeping it' }) }),
    requested_by: z.record(z.string(), z.unknown()),
    communication_ids: z.array(z.uuid()),
    counts,
  })
  .openapi('ErasureAct');
