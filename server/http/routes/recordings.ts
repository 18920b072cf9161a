// Ingest: a call's recording uploaded as the raw request body, addressed by the call's uid.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Integrations } from '../../services/integrations.js';
import type { Recordings } from '../../services/recordings.js';
import { integrationAuth, type IntegrationEnv } from '../auth.js';
import { requestStream } from '../request-body.js';
import { errorResponses, integrationIdParam } from '../schemas/common.js';
import { RecordingResultSchema } from '../schemas/media.js';

export function recordingRoutes(deps: { integrations: Integrations; recordings: Recordings }) {
  const app = new OpenAPIHono<IntegrationEnv>();

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'put',
      path: '/{uid}/recording',
      tags: ['ingest'],
      security: [{ integrationToken: [] }],
      summary: "Upload a posted call's recording (the body is the audio file); replaces any earlier one",
      description:
        'Streamed to disk, never held in memory; over EARSHOT_RECORDING_LIMIT → 413; a Content-Type that is not audio → 415. The format and duration are probed; ' +
        'audio that cannot be read is kept with `state: "corrupt"`. Headerless GSM sent as `audio/gsm` or `audio/x-gsm` is stored converted to 16-bit PCM WAV. ' +
        'The duration fills a call posted without one.',
      request: {
        params: z.object({
          integration_id: integrationIdParam,
          uid: z.string().openapi({ param: { name: 'uid', in: 'path' } }),
        }),
        body: { required: true, content: { 'audio/*': { schema: z.string().openapi({ format: 'binary' }) } } },
      },
      responses: {
        200: { description: 'Stored', content: { 'application/json': { schema: RecordingResultSchema } } },
        ...errorResponses(401, 404, 413, 415, 503),
      },
    }),
  );
  app.put('/:uid/recording', integrationAuth(deps.integrations), async (c) => {
    const result = await deps.recordings.upload(c.get('integration').id, c.req.param('uid'), requestStream(c), c.req.header('content-type'));
    return c.json(result);
  });

  return app;
}
