// Ingest: chats posted by chat platforms; the same uid again merges the messages by message id.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { ChatIngest } from '../../services/chat-ingest.js';
import type { Integrations } from '../../services/integrations.js';
import { integrationAuth, type IntegrationEnv } from '../auth.js';
import { jsonBody } from '../json-body.js';
import { errorResponses, IntegrationIdParam } from '../schemas/common.js';
import { ChatSchema } from '../schemas/chat.js';
import { IngestResponseSchema } from '../schemas/phone-call.js';

export function chatRoutes(deps: { integrations: Integrations; chatIngest: ChatIngest }) {
  const app = new OpenAPIHono<IntegrationEnv>();
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/',
      tags: ['ingest'],
      security: [{ integrationToken: [] }],
      summary: 'Post a chat; the same uid again merges its messages by message id',
      request: {
        params: IntegrationIdParam,
        body: { required: true, content: { 'application/json': { schema: ChatSchema } } },
      },
      responses: {
        201: { description: 'Created', content: { 'application/json': { schema: IngestResponseSchema } } },
        200: { description: 'Updated (known uid)', content: { 'application/json': { schema: IngestResponseSchema } } },
        ...errorResponses(400, 401, 404, 409, 413, 422, 429, 503),
      },
    }),
  );
  app.post('/', integrationAuth(deps.integrations), jsonBody(ChatSchema), async (c) => {
    const integration = c.get('integration');
    const result = await deps.chatIngest.ingest(c.get('body'), c.get('rawBody'), { id: integration.id, defaultTimezone: integration.default_timezone });
    return c.json(result, result.status === 'created' ? 201 : 200);
  });
  return app;
}
