// Reads request bodies within the size limit. On a listening server it reads Node's IncomingMessage
// directly: building a web ReadableStream for every request costs more CPU than the rest of ingest.
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { PayloadTooLarge } from '../domain/errors.js';

export type BodyLimitEnv = { Variables: { bodyLimit: number } };

/** Refuses a declared Content-Length over the limit before reading anything, and records the limit. */
export function bodyLimit(limitBytes: number): MiddlewareHandler<BodyLimitEnv> {
  return async (c, next) => {
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > limitBytes) throw new PayloadTooLarge(limitBytes);
    c.set('bodyLimit', limitBytes);
    await next();
  };
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
