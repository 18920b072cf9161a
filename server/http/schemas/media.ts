// A call's media block as the API shows it, and the answer to a recording upload.
import { z } from '@hono/zod-openapi';

export const MediaSchema = z
  .object({
    id: z.uuid().nullable(),
    state: z.enum(['pending', 'ready', 'corrupt', 'failed', 'missing']),
    source_url: z.string().nullable(),
    url: z.string().nullable().openapi({ description: 'Signed, expiring playback URL; supports HTTP Range' }),
    url_expires_at: z.string().optional(),
    mime: z.string().optional(),
    format: z.string().nullable().optional(),
    size: z.number().optional(),
    duration: z.number().nullable().optional(),
    sha256: z.string().optional(),
    error: z.string().nullable(),
  })
  .openapi('Media');

export const RecordingResultSchema = z.object({ id: z.uuid(), uid: z.string(), media: MediaSchema }).openapi('RecordingResult');
