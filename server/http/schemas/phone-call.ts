// The Qolio-compatible phone-call body.
import { z } from '@hono/zod-openapi';
import { DIRECTION_SPELLINGS, normalizeDirection } from '../../domain/direction.js';
import { ownRecord, requiredText, text } from './common.js';

const optionalText = (max = 255) => text(max).nullish();
/** An id from the source system: absent or null for none, never empty (an empty uid would merge every call that sends one). */
const optionalId = () => text().refine((v) => v.trim() !== '', 'must not be empty').nullish();
const httpUrl = z
  .string()
  .max(4096)
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an absolute http(s) URL');

export const TranscriptSegmentSchema = z.object({
  speaker: z.enum(['operator', 'client']),
  start: z.number().min(0),
  end: z.number().min(0),
  text: z.string().max(100_000),
});

export const TranscriptSchema = z
  .union([z.string().max(5_000_000), z.array(TranscriptSegmentSchema).max(100_000)])
  .openapi({ description: 'Plain text, or segments [{speaker, start, end, text}] in seconds' });

export const PhoneCallSchema = z
  .object({
    operator_id: requiredText().openapi({ description: "The operator's external_id", example: 'operator@email.com' }),
    started_at: requiredText(64).openapi({ example: '2019-08-09T18:31:42+03:00' }),
    media_url: httpUrl.openapi({ description: 'Recording to fetch (required unless a multipart recording part is sent)' }),
    uid: optionalId().openapi({ description: "The call's id in the source system; the same uid updates the call" }),
    client_phone_number: optionalText(64),
    direction: z
      .string()
      .refine((v) => normalizeDirection(v) !== undefined, `must be one of ${DIRECTION_SPELLINGS.join(', ')}`)
      .nullish(),
    duration: z.number().min(0).max(10 * 24 * 3600).nullish().openapi({ description: 'Seconds' }),
    phone_call_chain_uid: optionalId(),
    client: z
      .object({
        id: optionalText(),
        company_name: optionalText(),
        first_name: optionalText(),
        last_name: optionalText(),
      })
      .nullish(),
    custom_fields: ownRecord(z.record(z.string().max(64), z.unknown()).refine((v) => Object.keys(v).length <= 200, 'at most 200 custom fields')).nullish(),
    nps: z.number().min(-1000).max(1000).nullish(),
    transcript: TranscriptSchema.nullish(),
    tags: z.array(requiredText(100)).max(100).nullish(),
  })
  .openapi('PhoneCall');

export const IngestResponseSchema = z
  .object({
    id: z.uuid(),
    uid: z.string(),
    status: z.enum(['created', 'updated']),
    warnings: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })),
  })
  .openapi('IngestResult');
