// The OpenAPI document and Swagger UI, served from the installed swagger-ui-dist (no CDN: appliances run offline).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { Hono } from 'hono';
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path.js';

/** A Map, so `/api/docs/assets/constructor` is a 404 rather than Object's constructor. */
const ASSETS = new Map([
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
  ['swagger-ui-standalone-preset.js', 'text/javascript; charset=utf-8'],
]);

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>earshot API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/swagger-ui-standalone-preset.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#ui', presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });</script>
</body></html>`;

export function docsRoutes(api: OpenAPIHono, version: string) {
  const app = new Hono();
  api.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', { type: 'http', scheme: 'bearer', description: 'The admin token, or the session or personal token of a user with the admin role' });
  api.openAPIRegistry.registerComponent('securitySchemes', 'userToken', { type: 'http', scheme: 'bearer', description: 'A user’s session token (POST /api/v1/auth/login) or personal token (POST /api/v1/me/tokens)' });
  api.openAPIRegistry.registerComponent('securitySchemes', 'integrationToken', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: 'The integration token, bare or as Bearer',
  });
  const document = () =>
    api.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'earshot API', version, description: 'Call and chat ingestion, custom fields, search and admin API. In every request body a null for an optional field means the field is absent.' },
    });
  let cached: ReturnType<typeof document> | undefined;
  app.get('/api/openapi.json', (c) => c.json((cached ??= document())));
  app.get('/api/docs', (c) => c.html(PAGE));
  app.get('/api/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = ASSETS.get(file);
    if (!type) return c.notFound();
    c.header('Content-Type', type);
    c.header('Cache-Control', 'public, max-age=86400');
    return c.body(await readFile(path.join(getAbsoluteFSPath(), file)));
  });
  return app;
}
