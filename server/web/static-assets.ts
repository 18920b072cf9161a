// The console's stylesheet and script, read once from server/web/static and served with long caching
// (pages link them with ?v=<version>).
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';

const ASSETS = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
} as const;

export function staticAssets(version: string) {
  const app = new Hono();
  const files = new Map(Object.entries(ASSETS).map(([name, type]) => [name, { type, body: readFileSync(new URL(`./static/${name}`, import.meta.url)) }]));
  app.get('/:name', (c) => {
    const file = files.get(c.req.param('name'));
    if (!file) return c.text('not found', 404);
    const etag = `"${version}-${file.body.length}"`;
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    return c.body(new Uint8Array(file.body), 200, { 'content-type': file.type, 'cache-control': 'public, max-age=86400', etag });
  });
  return app;
}
