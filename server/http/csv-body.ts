// An import CSV body: UTF-8 only, nothing Postgres cannot store.
import type { Context } from 'hono';
import { Unprocessable } from '../domain/errors.js';
import { assertStorableFields } from '../domain/storable-text.js';
import { readBody } from './request-body.js';

export async function readCsv(c: Context): Promise<string> {
  const bytes = await readBody(c);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Unprocessable('invalid_csv', 'the CSV is not valid UTF-8');
  }
  assertStorableFields([['body', text]]);
  return text;
}
