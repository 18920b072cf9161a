// Admin: the stable recording links CRMs were given — list a communication's links with their open counts,
// read one with its audit trail of opens, revoke one (it answers 410 from then on).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { RecordingLinks } from '../../services/recording-links.js';
import { validationFailed } from '../errors.js';
import { errorResponses, IdParam } from '../schemas/common.js';

const security = [{ adminToken: [] }];
const anyJson = (description: string) => ({ description, content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } });
const ListQuery = z.object({ communication: z.uuid() });

export function recordingLinkRoutes(links: RecordingLinks) {
  const app = new OpenAPIHono();
  const route = (spec: Parameters<typeof createRoute>[0]) => app.openAPIRegistry.registerPath(createRoute({ tags: ['admin'], security, ...spec }));

  route({ method: 'get', path: '/', summary: "A communication's recording links with how often each was opened (?communication=)", request: { query: ListQuery }, responses: { 200: anyJson('{items}'), ...errorResponses(401, 422) } });
  app.get('/', async (c) => {
    const parsed = ListQuery.safeParse(c.req.query());
    if (!parsed.success) throw validationFailed(parsed.error.issues);
    return c.json({ items: await links.ofCommunication(parsed.data.communication) });
  });
  route({ method: 'get', path: '/{id}', summary: 'One recording link with its latest opens (time, client address, user agent, range, outcome)', request: { params: IdParam }, responses: { 200: anyJson('The link'), ...errorResponses(401, 404) } });
  app.get('/:id', async (c) => c.json(await links.get(c.req.param('id'))));
  route({ method: 'post', path: '/{id}/revoke', summary: 'Revoke a recording link: opening it answers 410 recording_link_revoked from now on', request: { params: IdParam }, responses: { 200: anyJson('The link'), ...errorResponses(401, 404) } });
  app.post('/:id/revoke', async (c) => c.json(await links.revoke(c.req.param('id'))));
  return app;
}
