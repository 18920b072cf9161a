// Ingest: phone calls posted by PBXes (Qolio-compatible).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { CallIngest } from '../../services/call-ingest.js';
import type { Integrations } from '../../services/integrations.js';
import type { Recordings } from '../../services/recordings.js';
import type { Transcripts } from '../../services/transcripts.js';
import { integrationAuth, type IntegrationEnv } from '../auth.js';
import { jsonBody } from '../json-body.js';
import { ingestMultipartCall, isMultipart } from '../multipart-call.js';
import type { Metrics } from '../metrics.js';
import { errorResponses, IntegrationIdParam, integrationIdParam } from '../schemas/common.js';
import { IngestResponseSchema, PhoneCallSchema, TranscriptSchema } from '../schemas/phone-call.js';

export function phoneCallRoutes(deps: { integrations: Integrations; callIngest: CallIngest; transcripts: Transcripts; recordings: Recordings; metrics: Metrics }) {
  const app = new OpenAPIHono<IntegrationEnv>();

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/',
      tags: ['ingest'],
      security: [{ integrationToken: [] }],
      summary: 'Post a phone call; the same uid again updates it',
      description:
        'The body is read as JSON whatever the Content-Type, except multipart/form-data: then the fields are form fields ' +
        '(or one `call` part holding the JSON body) and the audio is the `recording` file part, which makes media_url optional. ' +
        '`Authorization: <token>` or `Bearer <token>`.',
      request: {
        params: IntegrationIdParam,
        body: { required: true, content: { 'application/json': { schema: PhoneCallSchema } } },
      },
      responses: {
        201: { description: 'Created', content: { 'application/json': { schema: IngestResponseSchema } } },
        200: { description: 'Updated (known uid)', content: { 'application/json': { schema: IngestResponseSchema } } },
        ...errorResponses(400, 401, 404, 413, 415, 422, 503),
      },
    }),
  );
  app.post(
    '/',
    integrationAuth(deps.integrations),
    async (c, next) => {
      if (!isMultipart(c)) return next();
      const integration = c.get('integration');
      const result = await ingestMultipartCall(c, deps, { id: integration.id, defaultTimezone: integration.default_timezone });
      deps.metrics.callsIngested.inc({ status: result.status });
      return c.json(result, result.status === 'created' ? 201 : 200);
    },
    jsonBody(PhoneCallSchema),
    async (c) => {
    const integration = c.get('integration');
    const result = await deps.callIngest.ingest(c.get('body'), c.get('rawBody'), { id: integration.id, defaultTimezone: integration.default_timezone });
    deps.metrics.callsIngested.inc({ status: result.status });
    return c.json(result, result.status === 'created' ? 201 : 200);
    },
  );

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'put',
      path: '/{uid}/transcript',
      tags: ['ingest'],
      security: [{ integrationToken: [] }],
      summary: "Set a posted call's transcript (plain text or segments), addressed by the call's uid",
      request: {
        params: z.object({
          integration_id: integrationIdParam,
          uid: z.string().openapi({ param: { name: 'uid', in: 'path' } }),
        }),
        body: { required: true, content: { 'application/json': { schema: TranscriptSchema } } },
      },
      responses: {
        200: { description: 'Updated', content: { 'application/json': { schema: IngestResponseSchema } } },
        ...errorResponses(400, 401, 404, 413, 422, 503),
      },
    }),
  );
  app.put('/:uid/transcript', integrationAuth(deps.integrations), jsonBody(TranscriptSchema), async (c) => {
    return c.json(await deps.transcripts.set(c.get('integration').id, c.req.param('uid'), c.get('body')));
  });

  return app;
}
