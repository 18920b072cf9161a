// Text Postgres cannot store: NUL characters (text and jsonb refuse them) and lone UTF-16 surrogates
// (not encodable as UTF-8). Every text input is checked for them at the edge, so they answer 422.
import { Unprocessable, type ErrorDetail } from './errors.js';

const UNSTORABLE = /[\u0000\p{Surrogate}]/u;

export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

export function unstorableDetail(path: string): ErrorDetail {
  return { path, code: 'invalid_characters', message: 'NUL characters and lone surrogates are not accepted' };
}

/** Throws 422 validation_failed naming every field (name → text) that holds unstorable characters. */
export function assertStorableFields(fields: Iterable<[string, string]>): void {
  const details: ErrorDetail[] = [];
  for (const [path, text] of fields) if (!isStorableText(text)) details.push(unstorableDetail(path));
  if (details.length > 0) throw new Unprocessable('validation_failed', 'NUL characters and lone surrogates are not accepted', details);
}

/** The same check over a request URL: its decoded path (as `path`) and every query parameter (`query.<name>`). */
export function assertStorableUrl(href: string): void {
  const url = new URL(href);
  const fields: Array<[string, string]> = [['path', safeDecode(url.pathname)]];
  for (const [name, value] of url.searchParams) {
    const path = `query.${name.replace(/\u0000/g, '\\0')}`;
    fields.push([path, name], [path, value]);
  }
  assertStorableFields(fields);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
