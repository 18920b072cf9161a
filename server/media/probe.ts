// Reads a recording's container, codec and duration with music-metadata; a file it cannot read is
// reported as corrupt rather than thrown.
import { parseFile } from 'music-metadata';
import { publicReason } from '../domain/public-text.js';

export interface ProbeResult {
  ok: boolean;
  mime: string;
  format: string | null;
  durationS: number | null;
  error: string | null;
}

const MIME_BY_CONTAINER: Record<string, string> = {
  WAVE: 'audio/wav',
  'MPEG': 'audio/mpeg',
  Ogg: 'audio/ogg',
  FLAC: 'audio/flac',
  'MPEG-4': 'audio/mp4',
  'M4A/mp42': 'audio/mp4',
  'M4A/isom': 'audio/mp4',
  WebM: 'audio/webm',
  AIFF: 'audio/aiff',
};

export async function probeAudio(path: string, declaredMime: string | undefined): Promise<ProbeResult> {
  const fallback = declaredMime && /^audio\/[\w.+-]+$/.test(declaredMime) ? declaredMime : 'application/octet-stream';
  try {
    const { format } = await parseFile(path, { duration: true, skipCovers: true });
    const container = format.container ?? null;
    const duration = format.duration;
    if (!container || duration === undefined || !Number.isFinite(duration) || duration <= 0) {
      return { ok: false, mime: fallback, format: container, durationS: null, error: 'no audio stream with a duration found' };
    }
    const codec = format.codec ? `${container}/${format.codec}` : container;
    return { ok: true, mime: MIME_BY_CONTAINER[container] ?? fallback, format: codec, durationS: Math.round(duration * 1000) / 1000, error: null };
  } catch (error) {
    return { ok: false, mime: fallback, format: null, durationS: null, error: publicReason(error).slice(0, 500) };
  }
}
