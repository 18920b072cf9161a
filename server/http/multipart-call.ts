// Reads a multipart/form-data phone call: the fields of the JSON body as form fields (or one `call`
// part holding the whole JSON body) and the audio in a `recording` file part, streamed to the media
// store's staging area as it arrives — never held in memory.
import busboy from 'busboy';
import type { Context } from 'hono';
import type { IntegrationContext } from '../domain/call-submission.js';
import type { CallIngest, IngestResult } from '../services/call-ingest.js';
import { PhoneCallSchema } from './schemas/phone-call.js';
import { BadRequest, PayloadTooLarge, Unprocessable } from '../domain/errors.js';
import type { Recordings, StagedRecording } from '../services/recordings.js';
import { readJson, validate } from './json-body.js';
import { requestStream } from './request-body.js';

/** Form fields that carry JSON (objects and arrays), and those that carry numbers. */
const JSON_FIELDS = new Set(['client', 'custom_fields', 'tags']);
const NUMBER_FIELDS = new Set(['duration', 'nps']);

export const isMultipart = (c: Context) => /^multipart\/form-data/i.test(c.req.header('content-type') ?? '');

export interface MultipartCall {
  raw: Record<string, unknown>;
  recording: StagedRecording | undefined;
}

export async function readMultipartCall(c: Context, recordings: Recordings, fieldLimitBytes: number): Promise<MultipartCall> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': c.req.header('content-type') ?? '' },
      limits: { fieldSize: fieldLimitBytes, fields: 100, files: 1, parts: 101 },
    });
  } catch (error) {
    throw new BadRequest('invalid_multipart', `the multipart body cannot be read: ${(error as Error).message}`);
  }
  const fields: Record<string, unknown> = {};
  let recording: Promise<StagedRecording> | undefined;
  let failure: Error | undefined;
  const fail = (error: Error) => (failure ??= error);

  parser.on('field', (name, value, info) => {
    try {
      if (info.valueTruncated) throw new PayloadTooLarge(fieldLimitBytes);
      if (name === 'call') Object.assign(fields, asObject(readJson(Buffer.from(value))));
      else fields[name] = coerceField(name, value);
    } catch (error) {
      fail(error as Error);
    }
  });
  parser.on('file', (name, stream, info) => {
    if (name !== 'recording') {
      stream.resume();
      fail(new Unprocessable('validation_failed', 'the request failed validation', [{ path: name, code: 'unknown_field', message: 'the only file part is "recording"' }]));
      return;
    }
    // The file name only tells a headerless .gsm / .sln by its extension; it names nothing on disk.
    recording = recordings.stage(stream, info.mimeType, info.filename);
    // A refused recording (its type is not audio, or over the limit) stops reading: the part and the rest of
    // the body are drained, not parsed, so the answer (415, 413) goes out at once instead of the parser stalling.
    recording.catch((error: Error) => {
      stream.resume();
      fail(error);
      stopParsing();
    });
  });
  parser.on('filesLimit', () => fail(new Unprocessable('validation_failed', 'the request failed validation', [{ path: 'recording', code: 'too_big', message: 'one recording per call' }])));
  parser.on('fieldsLimit', () => fail(new Unprocessable('validation_failed', 'the request failed validation', [{ path: '', code: 'too_big', message: 'too many form fields' }])));

  const source = requestStream(c);
  let stopParsing = () => {};
  await new Promise<void>((resolve) => {
    stopParsing = () => {
      source.unpipe(parser);
      source.resume();
      resolve();
    };
    parser.on('close', resolve);
    parser.on('error', (error) => {
      fail(new BadRequest('invalid_multipart', `the multipart body cannot be read: ${(error as Error).message}`));
      stopParsing();
    });
    source.pipe(parser);
  });
  const staged = await recording?.catch((error: Error) => fail(error));
  if (failure) {
    if (staged && 'discard' in staged) await staged.discard();
    throw failure;
  }
  return { raw: fields, recording: staged && 'discard' in staged ? staged : undefined };
}

const MultipartCallSchema = PhoneCallSchema.extend({ media_url: PhoneCallSchema.shape.media_url.optional() });

/**
 * Validates and ingests a multipart call, then links its recording. A bad call leaves nothing behind:
 * the staged audio is discarded. A recording part wins over a media_url sent alongside it.
 */
export async function ingestMultipartCall(
  c: Context,
  deps: { callIngest: CallIngest; recordings: Recordings },
  integration: IntegrationContext,
): Promise<IngestResult> {
  const { raw, recording } = await readMultipartCall(c, deps.recordings, c.get('bodyLimit') as number);
  let kept = false;
  try {
    const body = validate(MultipartCallSchema, raw);
    if (!recording && !body.media_url) {
      throw new Unprocessable('validation_failed', 'the request failed validation', [
        { path: 'media_url', code: 'required', message: 'required unless a recording file part is sent' },
      ]);
    }
    const result = await deps.callIngest.ingest(recording ? { ...body, media_url: null } : body, raw, integration);
    if (recording) {
      await deps.recordings.attach(result.id, await recording.save());
      kept = true;
    }
    return result;
  } finally {
    if (recording && !kept) await recording.discard();
  }
}

function coerceField(name: string, value: string): unknown {
  if (NUMBER_FIELDS.has(name) && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  if (JSON_FIELDS.has(name) || (name === 'transcript' && /^\s*\[/.test(value))) {
    try {
      return JSON.parse(value);
    } catch {
      throw new Unprocessable('validation_failed', 'the request failed validation', [{ path: name, code: 'invalid_json', message: 'this form field must hold JSON' }]);
    }
  }
  return value;
}

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Unprocessable('validation_failed', 'the request failed validation', [{ path: 'call', code: 'invalid_type', message: 'the call part must be a JSON object' }]);
  }
  return value as Record<string, unknown>;
}
