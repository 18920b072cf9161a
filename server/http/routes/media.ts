// Playback: GET/HEAD /media/{id}?expires=…&sig=… — a signed, expiring URL (no token needed, so audio
// players can use it) — and GET/HEAD /recording-links/{id}?sig=… — the stable, revocable link CRMs get,
// audited on every open — both with full HTTP Range support: single and multiple ranges, If-Range, ETag,
// 304, 416.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { parseRange, type ByteRange } from '../../domain/byte-ranges.js';
import { Forbidden, NotFound } from '../../domain/errors.js';
import type { RecordingLinks } from '../../services/recording-links.js';
import type { Playback, Recordings } from '../../services/recordings.js';
import { errorResponses } from '../schemas/common.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function mediaRoutes(recordings: Recordings, links: RecordingLinks) {
  const app = new OpenAPIHono();

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/media/{id}',
      tags: ['read'],
      summary: 'Play a recording through the signed URL shown in a communication’s media.url (HTTP Range supported)',
      request: {
        params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }),
        query: z.object({ expires: z.string(), sig: z.string() }),
      },
      responses: {
        200: { description: 'The whole recording' },
        206: { description: 'The requested range(s); several ranges come as multipart/byteranges' },
        304: { description: 'Not modified (If-None-Match)' },
        416: { description: 'No requested range lies within the recording' },
        ...errorResponses(403, 404),
      },
    }),
  );
  app.on(['GET', 'HEAD'], '/media/:id', async (c) => {
    const id = c.req.param('id');
    if (!UUID.test(id)) throw new NotFound('media', 'media_not_found');
    const expires = Number(c.req.query('expires'));
    if (!Number.isSafeInteger(expires)) throw new Forbidden('invalid_signature', 'the media URL signature is wrong');
    const playback = await recordings.playback(id.toLowerCase(), expires, c.req.query('sig') ?? '');
    const response = respond(c, playback);
    if (c.req.method === 'GET' && response.status < 300) await c.var.audit.recordPlayback({ type: 'recording', id: playback.media.id });
    return response;
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/recording-links/{id}',
      tags: ['read'],
      summary: 'Play a recording through the stable link given to CRMs (no expiry; revocable; every open audited; HTTP Range supported)',
      request: {
        params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }),
        query: z.object({ sig: z.string() }),
      },
      responses: {
        200: { description: 'The whole recording' },
        206: { description: 'The requested range(s); several ranges come as multipart/byteranges' },
        304: { description: 'Not modified (If-None-Match)' },
        416: { description: 'No requested range lies within the recording' },
        ...errorResponses(404, 410),
      },
    }),
  );
  app.on(['GET', 'HEAD'], '/recording-links/:id', async (c) => {
    const playback = await links.open(c.req.param('id'), c.req.query('sig') ?? '', { address: c.get('clientAddress') ?? null, userAgent: c.req.header('user-agent') ?? null, range: c.req.header('range') ?? null });
    return respond(c, playback);
  });

  return app;
}

function respond(c: Context, playback: Playback): Response {
  const { size, etag, media } = playback;
  const headers = new Headers({ 'accept-ranges': 'bytes', etag, 'cache-control': 'private, max-age=300' });
  const head = c.req.method === 'HEAD';
  if (c.req.header('if-none-match')?.split(',').some((tag) => tag.trim() === etag)) return new Response(null, { status: 304, headers });

  // If-Range with another validator: the client's copy is stale, send the whole file.
  const ifRange = c.req.header('if-range');
  const request = ifRange !== undefined && ifRange.trim() !== etag ? ({ kind: 'full' } as const) : parseRange(c.req.header('range'), size);

  if (request.kind === 'unsatisfiable') {
    headers.set('content-range', `bytes */${size}`);
    return new Response(null, { status: 416, headers });
  }
  if (request.kind === 'full' || size === 0) {
    headers.set('content-type', media.mime);
    headers.set('content-length', String(size));
    return new Response(head || size === 0 ? null : toWeb(playback.read(0, size - 1)), { status: 200, headers });
  }
  if (request.ranges.length === 1) {
    const [{ start, end }] = request.ranges as [ByteRange];
    headers.set('content-type', media.mime);
    headers.set('content-range', `bytes ${start}-${end}/${size}`);
    headers.set('content-length', String(end - start + 1));
    return new Response(head ? null : toWeb(playback.read(start, end)), { status: 206, headers });
  }
  const boundary = `earshot-${randomBytes(12).toString('hex')}`;
  const parts = request.ranges.map((range) => ({
    range,
    header: Buffer.from(`\r\n--${boundary}\r\ncontent-type: ${media.mime}\r\ncontent-range: bytes ${range.start}-${range.end}/${size}\r\n\r\n`),
  }));
  const closing = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length = parts.reduce((n, p) => n + p.header.length + p.range.end - p.range.start + 1, closing.length);
  headers.set('content-type', `multipart/byteranges; boundary=${boundary}`);
  headers.set('content-length', String(length));
  if (head) return new Response(null, { status: 206, headers });
  async function* body() {
    for (const part of parts) {
      yield part.header;
      yield* playback.read(part.range.start, part.range.end);
    }
    yield closing;
  }
  return new Response(toWeb(Readable.from(body())), { status: 206, headers });
}

const toWeb = (stream: Readable) => Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
