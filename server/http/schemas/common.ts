// Schemas shared by routes: the error shape, ids, and bounded strings.
import { z } from '@hono/zod-openapi';
import { ERROR_CODES } from '../error-codes.js';

export const text = (max = 255) => z.string().max(max);
export const requiredText = (max = 255) => z.string().trim().min(1, 'must not be empty').max(max);
export const uuid = z.uuid();
/** `?integration_id=` on the clients API: narrows the token's scope to one integration (docs/clients.md). */
export const IntegrationQuery = z.object({
  integration_id: z.uuid().optional().openapi({ param: { name: 'integration_id', in: 'query' }, description: "Narrows to one integration (the admin token: whose client or tag; needed to create a client). An integration's token naming another integration finds nothing." }),
});
/** An optional request field where null means absent too: clients send back what they got (`"cursor": null`). */
export const absent = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

/**
 * A JSON object checked by `schema` (a z.record) whose output keeps every own key of the input, `__proto__`
 * included: zod's record assigns keys to a plain object, where `__proto__` is lost. The output has a null
 * prototype, so no key resolves to an Object member either.
 */
export const ownRecord = (schema: z.ZodType<Record<string, unknown>>, description?: string) =>
  z
    .unknown()
    .superRefine((value, ctx) => {
      const parsed = schema.safeParse(value);
      if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0]);
    })
    .transform((value) => Object.assign(Object.create(null) as Record<string, unknown>, value))
    .openapi({ type: 'object', additionalProperties: {}, ...(description ? { description } : {}) });

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
