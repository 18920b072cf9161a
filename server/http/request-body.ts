// Reads request bodies within the size limit. On a listening server it reads Node's IncomingMessage
// directly: building a web ReadableStream for every request costs more CPU than the rest of ingest.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { Context, MiddlewareHandler } from 'hono';
import { PayloadTooLarge, UnsupportedMediaType } from '../domain/errors.js';
import type { BodyBudget, BodyReservation } from './body-budget.js';

export type BodyLimitEnv = { Variables: { bodyLimit: number; bodyReservation: BodyReservation | undefined } };

/** Recording uploads (PUT .../recording, multipart call posts) stream to disk under their own, larger limit. */
export function isRecordingUpload(c: Context): boolean {
  return (c.req.method === 'PUT' && c.req.path.endsWith('/recording')) || /^multipart\/form-data/i.test(c.req.header('content-type') ?? '');
}

/**
 * Refuses a declared Content-Length over the limit before reading anything, and records the limit.
 * Recording uploads get `uploadLimitBytes` plus room for the multipart envelope and fields. What the
 * request then buffers (readBody) is held from `budget` until its answer is made.
 */
export function bodyLimit(limitBytes: number, uploadLimitBytes = limitBytes, budget?: BodyBudget): MiddlewareHandler<BodyLimitEnv> {
  return async (c, next) => {
    const limit = isRecordingUpload(c) ? uploadLimitBytes + limitBytes : limitBytes;
    if (declaredLength(c) > limit) throw new PayloadTooLarge(limit);
    c.set('bodyLimit', limit);
    await held(c, budget, next);
  };
}

/**
 * Console forms: the cheap checks first (a form's Content-Type, the declared length: `formLimitBytes` for
 * a plain form, `uploadLimitBytes` for multipart), then the body is read within the limit and the budget
 * and handed on buffered, so the form parser never reads the socket itself.
 */
export function bufferedForm(formLimitBytes: number, uploadLimitBytes: number, budget?: BodyBudget): MiddlewareHandler<BodyLimitEnv> {
  return async (c, next) => {
    const type = c.req.header('content-type') ?? '';
    const multipart = /^multipart\/form-data/i.test(type);
    if (!multipart && !/^application\/x-www-form-urlencoded/i.test(type)) {
      throw new UnsupportedMediaType('a form is sent as application/x-www-form-urlencoded or multipart/form-data');
    }
    const limit = multipart ? uploadLimitBytes : formLimitBytes;
    if (declaredLength(c) > limit) throw new PayloadTooLarge(limit);
    c.set('bodyLimit', limit);
    await held(c, budget, async () => {
      const bytes = await readBody(c);
      c.req.raw = new Request(c.req.raw.url, { method: c.req.raw.method, headers: c.req.raw.headers, body: bytes });
      await next();
    });
  };
}

async function held(c: Context<BodyLimitEnv>, budget: BodyBudget | undefined, next: () => Promise<void>): Promise<void> {
  const reservation = budget?.open();
  c.set('bodyReservation', reservation);
  try {
    await next();
  } finally {
    reservation?.release();
  }
}

function declaredLength(c: Context): number {
  return Number(c.req.header('content-length') ?? '0');
}

/** The request body as a Node stream, without buffering it (uploads are streamed to disk). */
export function requestStream(c: Context): Readable {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming && !incoming.readableEnded) return incoming;
  return c.req.raw.body ? Readable.fromWeb(c.req.raw.body as import('node:stream/web').ReadableStream) : Readable.from([]);
}

/** Reads the whole body within the request's limit, holding its bytes from the budget (Overloaded past it). */
export async function readBody(c: Context): Promise<Uint8Array> {
  const limit = (c.get('bodyLimit') as number | undefined) ?? Number.MAX_SAFE_INTEGER;
  const reservation = c.get('bodyReservation') as BodyReservation | undefined;
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  // The declared length is held before the first byte is read, so a full budget refuses without reading.
  reservation?.holdAtLeast(Math.min(declaredLength(c) || 0, limit));
  const chunks: Uint8Array[] = [];
  let size = 0;
  const take = (chunk: Uint8Array) => {
    size += chunk.byteLength;
    if (size > limit) throw new PayloadTooLarge(limit);
    reservation?.holdAtLeast(size);
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
