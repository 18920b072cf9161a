// Reads a JSON body whatever Content-Type the sender used (PBXes vary), strictly: UTF-8 only, no NUL
// characters or lone surrogates (Postgres cannot store them), bounded nesting; then validates it with zod.
import { createMiddleware } from 'hono/factory';
import type { z } from 'zod';
import { BadRequest, Unprocessable, type ErrorDetail } from '../domain/errors.js';
import { parseNullAsAbsent } from '../domain/null-as-absent.js';
import { isStorableText, unstorableDetail } from '../domain/storable-text.js';
import { formatPath, validationFailed } from './errors.js';
import { readBody } from './request-body.js';

const MAX_DEPTH = 32;
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export type JsonBodyEnv<T> = { Variables: { body: T; rawBody: unknown } };

export function parseJsonBytes(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new BadRequest('invalid_json', 'the body is not valid UTF-8');
  }
  if (text.trim() === '') throw new BadRequest('invalid_json', 'the body is empty; a JSON object is expected');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequest('invalid_json', `malformed JSON: ${(error as Error).message.slice(0, 200)}`);
  }
}

/** Finds values Postgres cannot store and nesting beyond MAX_DEPTH. */
export function unsafeJsonDetails(value: unknown): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const visit = (node: unknown, path: PropertyKey[]): void => {
    if (details.length >= 20) return;
    if (typeof node === 'string') {
      if (!isStorableText(node)) details.push(unstorableDetail(formatPath(path)));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    if (path.length >= MAX_DEPTH) {
      details.push({ path: formatPath(path), code: 'too_deep', message: `JSON nests at most ${MAX_DEPTH} levels` });
      return;
    }
    if (Array.isArray(node)) node.forEach((item, i) => visit(item, [...path, i]));
    else
      for (const [key, item] of Object.entries(node)) {
        if (!isStorableText(key)) {
          details.push({ path: formatPath([...path, key.replace(/\u0000/g, '\\0')]), code: 'invalid_characters', message: 'invalid characters in a key' });
        }
        visit(item, [...path, key]);
      }
  };
  visit(value, []);
  return details;
}

export function readJson(bytes: Uint8Array): unknown {
  const value = parseJsonBytes(bytes);
  const unsafe = unsafeJsonDetails(value);
  if (unsafe.length > 0) throw new Unprocessable('validation_failed', 'the request failed validation', unsafe);
  return value;
}

/** Checks a request value with its schema; a null for an optional field counts as absent. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = parseNullAsAbsent(schema, value, { reportInput: true });
  if (!result.success) throw validationFailed(result.error.issues);
  return result.data;
}

export function jsonBody<S extends z.ZodType>(schema: S) {
  return createMiddleware<JsonBodyEnv<z.output<S>>>(async (c, next) => {
    const raw = readJson(await readBody(c));
    c.set('rawBody', raw);
    c.set('body', validate(schema, raw));
    await next();
  });
}
