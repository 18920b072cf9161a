// Which declared Content-Types can hold a recording. A missing or generic type is left to the probe; a
// type that names something else (JSON, a form, an HTML error page) is refused before anything is stored.
import { UnsupportedMediaType } from './errors.js';

const GENERIC = new Set(['application/octet-stream', 'application/ogg', 'binary/octet-stream']);

export function isRecordingType(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]!.trim().toLowerCase() ?? '';
  return type === '' || type.startsWith('audio/') || type.startsWith('video/') || GENERIC.has(type);
}

export function assertRecordingType(contentType: string | undefined): void {
  if (!isRecordingType(contentType)) {
    throw new UnsupportedMediaType(`a recording is sent as audio/* (or application/octet-stream), not ${contentType!.split(';')[0]!.trim().slice(0, 100)}`);
  }
}
