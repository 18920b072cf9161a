// Schemas shared by routes: the error shape, ids, and bounded strings.
import { z } from '@hono/zod-openapi';
import { ERROR_CODES } from '../error-codes.js';

export const text = (max = 255) => z.string().max(max);
export const requiredText = (max = 255) => z.string().trim().min(1, 'must not be empty').max(max);
export const uuid = z.uuid();
/** An optional request field where null means absent too: clients send back what they got (`"cursor": null`). */
export const absent = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_CODES) as [string, ...string[]]).openapi({
        description: Object.entries(ERROR_CODES)
          .map(([code, { status, description }]) => `\`${code}\` (${status}): ${description}`)
          .join('\n'),
      }),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })),
      request_id: z.string(),
    }),
  })
  .openapi('Error');

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: 'Error', content: { 'application/json': { schema: ErrorSchema } } }]));

export const IdParam = z.object({ id: uuid.openapi({ param: { name: 'id', in: 'path' } }) });
/** The integration_id path parameter of the ingest endpoints. */
export const integrationIdParam = z.uuid().openapi({ param: { name: 'integration_id', in: 'path' } });
export const IntegrationIdParam = z.object({ integration_id: integrationIdParam });
