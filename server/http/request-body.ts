// Reads request bodies within the size limit. On a listening server it reads Node's IncomingMessage
// directly: building a web ReadableStream for every request costs more CPU than the rest of ingest.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { Context, MiddlewareHandler } from 'hono';
import { PayloadTooLarge } from '../domain/errors.js';

export type BodyLimitEnv = { Variables: { bodyLimit: number } };

/** Recording uploads (PUT .../recording, multipart call posts) stream to disk under their own, larger limit. */
export function isRecordingUpload(c: Context): boolean {
  return (c.req.method === 'PUT' && c.req.path.endsWith('/recording')) || /^multipart\/form-data/i.test(c.req.header('content-type') ?? '');
}

/**
 * Refuses a declared Content-Length over the limit before reading anything, and records the limit.
 * Recording uploads get `uploadLimitBytes` plus room for the multipart envelope and fields.
 */
export function bodyLimit(limitBytes: number, uploadLimitBytes = limitBytes): MiddlewareHandler<BodyLimitEnv> {
  return async (c, next) => {
    const limit = isRecordingUpload(c) ? uploadLimitBytes + limitBytes : limitBytes;
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > limit) throw new PayloadTooLarge(limit);
    c.set('bodyLimit', limit);
    await next();
  };
}

/** The request body as a Node stream, without buffering it (uploads are streamed to disk). */
export function requestStream(c: Context): Readable {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming && !incoming.readableEnded) return incoming;
  return c.req.raw.body ? Readable.fromWeb(c.req.raw.body as import('node:stream/web').ReadableStream) : Readable.from([]);
}

export async function readBody(c: Context): Promise<Uint8Array> {
  const limit = (c.get('bodyLimit') as number | undefined) ?? Number.MAX_SAFE_INTEGER;
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const take = (chunk: Uint8Array) => {
    size += chunk.byteLength;
    if (size > limit) throw new PayloadTooLarge(limit);
    chunks.push(chunk);
  };
  if (incoming && !incoming.readableEnded) {
    for await (const chunk of incoming) take(chunk as Buffer);
  } else if (c.req.raw.body) {
    const reader = c.req.raw.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      take(value);
    }
  }
  return Buffer.concat(chunks);
}
