// Clients, attributes and tags (Twin-style): client attributes and their values, client and session tag
// dictionaries, tags on clients and on communications, the client card, and (admin) merging two clients.
// `{client_id}` is the client's external id. Any integration token or the admin token opens these; each sees
// only its integration's clients, tags and attributes (and the shared ones), the admin token all (docs/clients.md).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { CLIENT_ATTRIBUTE_TYPES } from '../../domain/client-attributes.js';
import type { Clients } from '../../services/clients.js';
import { scopeOf } from '../auth.js';
import { jsonBody } from '../json-body.js';
import { errorResponses, IntegrationQuery, requiredText } from '../schemas/common.js';

const security: Array<Record<string, string[]>> = [{ adminToken: [] }, { integrationToken: [] }];
const anyJson = (description: string) => ({ description, content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } });
const param = (name: string) => z.string().min(1).max(255).openapi({ param: { name, in: 'path' } });

const AttributeSchema = z.object({ name: requiredText(100), type: z.enum(CLIENT_ATTRIBUTE_TYPES).default('string') }).strict().openapi('ClientAttributeDefinition');
const ValueSchema = z.object({ value: z.unknown().refine((v) => v !== undefined, 'required') }).strict().openapi('ClientAttributeValue');
const TagSchema = z.object({ tag: requiredText(100) }).strict().openapi('Tag');
const TagChangeSchema = z
  .object({ tag: requiredText(100).optional(), archived: z.boolean().optional() })
  .strict()
  .refine((v) => v.tag !== undefined || v.archived !== undefined, 'give tag (a new name) and/or archived')
  .openapi('TagChange');
const MergeSchema = z.object({ client_id: requiredText() }).strict().openapi('ClientMerge');

type Route = Parameters<typeof createRoute>[0];
const route = (app: OpenAPIHono, spec: Omit<Route, 'tags' | 'security'> & { tags?: string[] }) =>
  app.openAPIRegistry.registerPath(createRoute({ tags: ['clients'], security, ...spec, request: { query: IntegrationQuery, ...spec.request } } as Route));

/** Tag dictionaries of one scope: client tags at /api/v1/clients/tags, session tags at /api/v1/sessions/tags. */
function tagDictionary(app: OpenAPIHono, clients: Clients, scope: 'client' | 'session', base: string) {
  route(app, { method: 'post', path: `${base}/tags`, summary: `Create a ${scope} tag: the integration's own with its token, a shared one with the admin token (names are unique per integration and among shared tags, case-insensitively)`, request: { body: { required: true, content: { 'application/json': { schema: TagSchema } } } }, responses: { 201: anyJson('The tag'), ...errorResponses(400, 401, 409, 422) } });
  app.post(`${base}/tags`, jsonBody(TagSchema), async (c) => c.json(await clients.createTag(scopeOf(c), scope, c.get('body').tag), 201));
  route(app, { method: 'get', path: `${base}/tags`, summary: `List ${scope} tags (?archived=true includes archived ones)`, responses: { 200: anyJson('{items}'), ...errorResponses(401) } });
  app.get(`${base}/tags`, async (c) => c.json({ items: await clients.listTags(scopeOf(c), scope, c.req.query('archived') === 'true') }));
  route(app, { method: 'patch', path: `${base}/tags/{tag}`, summary: `Rename or archive a ${scope} tag (by id or name); shared tags only with the admin token`, request: { params: z.object({ tag: param('tag') }), body: { required: true, content: { 'application/json': { schema: TagChangeSchema } } } }, responses: { 200: anyJson('The tag'), ...errorResponses(400, 401, 403, 404, 409, 422) } });
  app.patch(`${base}/tags/:tag`, jsonBody(TagChangeSchema), async (c) => c.json(await clients.updateTag(scopeOf(c), scope, c.req.param('tag'), c.get('body'))));
}

/** Mounted at /api/v1 behind the admin-or-integration token check. */
export function clientRoutes(clients: Clients) {
  const app = new OpenAPIHono();

  route(app, { method: 'post', path: '/clients/attributes', summary: 'Define a client attribute (string, number, boolean or datetime)', request: { body: { required: true, content: { 'application/json': { schema: AttributeSchema } } } }, responses: { 201: anyJson('{id, name, type}'), ...errorResponses(400, 401, 409, 422) } });
  app.post('/clients/attributes', jsonBody(AttributeSchema), async (c) => c.json(await clients.defineAttribute(scopeOf(c), c.get('body').name, c.get('body').type), 201));
  route(app, { method: 'get', path: '/clients/attributes', summary: 'List client attributes', responses: { 200: anyJson('{items}'), ...errorResponses(401) } });
  app.get('/clients/attributes', async (c) => c.json({ items: await clients.listAttributes(scopeOf(c)) }));

  tagDictionary(app, clients, 'client', '/clients');
  tagDictionary(app, clients, 'session', '/sessions');

  route(app, { method: 'post', path: '/clients/{client_id}/attributes/{attribute_id}', summary: "Set a client's attribute value (checked against the attribute's type); the client is created on first sight", request: { params: z.object({ client_id: param('client_id'), attribute_id: param('attribute_id') }), body: { required: true, content: { 'application/json': { schema: ValueSchema } } } }, responses: { 200: anyJson('The value as stored'), ...errorResponses(400, 401, 404, 422) } });
  app.post('/clients/:client_id/attributes/:attribute_id', jsonBody(ValueSchema), async (c) => c.json(await clients.setAttribute(scopeOf(c), c.req.param('client_id'), c.req.param('attribute_id'), c.get('body').value)));
  route(app, { method: 'get', path: '/clients/{client_id}/attributes', summary: "A client's attribute values", request: { params: z.object({ client_id: param('client_id') }) }, responses: { 200: anyJson('{items}'), ...errorResponses(401, 404, 422) } });
  app.get('/clients/:client_id/attributes', async (c) => c.json({ items: await clients.clientAttributes(scopeOf(c), c.req.param('client_id')) }));

  route(app, { method: 'post', path: '/clients/{client_id}/tags', summary: 'Put a client tag on a client (created on first sight)', request: { params: z.object({ client_id: param('client_id') }), body: { required: true, content: { 'application/json': { schema: TagSchema } } } }, responses: { 200: anyJson('{client_id, tags}'), ...errorResponses(400, 401, 422) } });
  app.post('/clients/:client_id/tags', jsonBody(TagSchema), async (c) => c.json(await clients.tagClient(scopeOf(c), c.req.param('client_id'), c.get('body').tag, true)));
  route(app, { method: 'delete', path: '/clients/{client_id}/tags/{tag}', summary: 'Take a tag off a client', request: { params: z.object({ client_id: param('client_id'), tag: param('tag') }) }, responses: { 200: anyJson('{client_id, tags}'), ...errorResponses(401, 404, 422) } });
  app.delete('/clients/:client_id/tags/:tag', async (c) => c.json(await clients.tagClient(scopeOf(c), c.req.param('client_id'), c.req.param('tag'), false)));

  route(app, { method: 'get', path: '/clients/{client_id}', summary: 'The client card: attributes, tags, phones, clients sharing a phone, recent calls and chats', request: { params: z.object({ client_id: param('client_id') }) }, responses: { 200: anyJson('The card'), ...errorResponses(401, 404, 422) } });
  app.get('/clients/:client_id', async (c) => {
    const card = await clients.card(scopeOf(c), c.req.param('client_id'));
    await c.var.audit.record('client.viewed', { type: 'client', id: card.id });
    return c.json(card);
  });

  route(app, { method: 'post', path: '/communications/{id}/tags', summary: 'Put a session tag on a call or chat', request: { params: z.object({ id: param('id') }), body: { required: true, content: { 'application/json': { schema: TagSchema } } } }, responses: { 200: anyJson('{id, tags}'), ...errorResponses(400, 401, 404, 422) } });
  app.post('/communications/:id/tags', jsonBody(TagSchema), async (c) => c.json(await clients.tagCommunication(scopeOf(c), c.req.param('id'), c.get('body').tag, true)));
  route(app, { method: 'delete', path: '/communications/{id}/tags/{tag}', summary: 'Take a session tag off a call or chat', request: { params: z.object({ id: param('id'), tag: param('tag') }) }, responses: { 200: anyJson('{id, tags}'), ...errorResponses(401, 404) } });
  app.delete('/communications/:id/tags/:tag', async (c) => c.json(await clients.tagCommunication(scopeOf(c), c.req.param('id'), c.req.param('tag'), false)));

  return app;
}

/** Mounted at /api/v1/admin/clients behind the admin token check. */
export function clientAdminRoutes(clients: Clients) {
  const app = new OpenAPIHono();
  app.openAPIRegistry.registerPath(
    createRoute({ method: 'post', path: '/{client_id}/merge', tags: ['admin'], security: [{ adminToken: [] }], summary: 'Merge another client of the same integration into this one, keeping everything (its external id becomes an alias)', request: { params: z.object({ client_id: param('client_id') }), query: IntegrationQuery, body: { required: true, content: { 'application/json': { schema: MergeSchema } } } }, responses: { 200: anyJson('{id, merged, communications_moved, attribute_conflicts}'), ...errorResponses(400, 401, 404, 422) } }),
  );
  app.post('/:client_id/merge', jsonBody(MergeSchema), async (c) => c.json(await clients.merge(scopeOf(c), c.req.param('client_id'), c.get('body').client_id)));
  return app;
}
