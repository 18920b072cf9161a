// The one place that maps errors to HTTP answers in the API's error shape.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { DomainError, httpStatusOf, Overloaded, TooManyRequests, Unavailable, Unprocessable, type ErrorDetail } from '../domain/errors.js';

export function errorBody(c: Context, code: string, message: string, details: ErrorDetail[] = []) {
  return { error: { code, message, details, request_id: c.get('requestId') as string } };
}

export function respondError(c: Context, status: ContentfulStatusCode, code: string, message: string, details: ErrorDetail[] = []) {
  return c.json(errorBody(c, code, message, details), status);
}


const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300']);

/** Errors that mean the database is unreachable right now, not that the request is wrong. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof Unavailable) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/.test(message);
}

export function handleError(error: unknown, c: Context, log: (error: unknown) => void) {
  if (error instanceof TooManyRequests) c.header('Retry-After', String(error.retryAfterSeconds));
  if (error instanceof DomainError) return respondError(c, httpStatusOf(error), error.code, error.message, error.details);
  if (error instanceof Overloaded) {
    c.header('Retry-After', String(error.retryAfterSeconds));
    return respondError(c, 503, 'server_busy', error.message);
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    return respondError(c, status, status === 413 ? 'payload_too_large' : status === 404 ? 'not_found' : 'bad_request', error.message);
  }
  if (isUnavailable(error)) {
    c.header('Retry-After', '5');
    return respondError(c, 503, 'service_unavailable', 'the database is unavailable; retry shortly');
  }
  log(error);
  return respondError(c, 500, 'internal_error', 'internal error; the request id identifies it in the log');
}

const ISSUE_CODES: Record<string, string> = {
  invalid_type: 'invalid_type',
  too_big: 'too_big',
  too_small: 'too_small',
  invalid_format: 'invalid_format',
  invalid_value: 'invalid_value',
  unrecognized_keys: 'unknown_field',
  invalid_union: 'invalid_value',
  not_multiple_of: 'invalid_value',
  custom: 'invalid_value',
};

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
}

/** A union's issues come per branch: report the branch that got furthest (e.g. the array form of a transcript). */
function flattenUnion(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return [issue];
  const depth = (branch: z.core.$ZodIssue[]) => Math.max(...branch.map((i) => i.path.length));
  const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
  if (depth(best) === 0) return [issue];
  return best.flatMap((inner) => flattenUnion({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue));
}

export function issuesToDetails(issues: z.core.$ZodIssue[]): ErrorDetail[] {
  return issues.flatMap(flattenUnion).map((issue) => {
    const missing = issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined;
    return {
      path: formatPath(issue.path),
      code: missing ? 'required' : (ISSUE_CODES[issue.code] ?? 'invalid_value'),
      message: missing ? 'required' : issue.message,
    };
  });
}

export function validationFailed(issues: z.core.$ZodIssue[]): Unprocessable {
  return new Unprocessable('validation_failed', 'the request failed validation', issuesToDetails(issues));
}
