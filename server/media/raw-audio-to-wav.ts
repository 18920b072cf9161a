// Asterisk's headerless recording formats, which neither the probe nor a browser can read: `.gsm` (GSM
// 06.10 frames) and `.sln` (signed 16-bit little-endian 8 kHz mono). sox converts them to 16-bit PCM
// WAV, run with execFile and fixed arguments (no shell), within a time limit; a result over the size
// limit is refused before sox runs (the output size follows from the input's).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MediaTooLarge } from '../domain/errors.js';
import { withoutFilePaths } from '../domain/public-text.js';

export type RawAudio = 'gsm' | 'sln';

export type Conversion = { ok: true; path: string; cleanup(): Promise<void> } | { ok: false; error: string };

const run = promisify(execFile);
const TIMEOUT_MS = 60_000;
/** sox prints little; more than this on stdout or stderr ends it. */
const OUTPUT_LIMIT = 64 * 1024;
const WAV_HEADER = 44;
/** A GSM 06.10 frame: 33 bytes for 160 samples. */
const GSM_FRAME = 33;

const INPUT_ARGS = {
  gsm: ['-t', 'gsm', '-r', '8000', '-c', '1'],
  sln: ['-t', 'raw', '-r', '8000', '-e', 'signed-integer', '-b', '16', '-c', '1', '-L'],
} as const satisfies Record<RawAudio, readonly string[]>;

/** The headerless format a recording is in, by its file name or declared type; null for anything else. */
export function rawAudioFormat(name: string | undefined, declaredMime: string | undefined): RawAudio | null {
  const extension = name ? path.extname(name).toLowerCase() : '';
  if (extension === '.gsm') return 'gsm';
  if (extension === '.sln') return 'sln';
  const type = declaredMime?.split(';')[0]!.trim().toLowerCase();
  return type === 'audio/gsm' || type === 'audio/x-gsm' ? 'gsm' : null;
}

/** The WAV's size for `inputBytes` of `format`: 2 bytes a sample. */
function wavBytes(format: RawAudio, inputBytes: number): number {
  const samples = format === 'gsm' ? Math.floor(inputBytes / GSM_FRAME) * 160 : Math.floor(inputBytes / 2);
  return WAV_HEADER + samples * 2;
}

/** Converts `input` to a WAV in a temporary folder (removed by `cleanup`); throws MediaTooLarge when the WAV would pass `limitBytes`. */
export async function rawAudioToWav(input: string, format: RawAudio, limitBytes: number): Promise<Conversion> {
  if (wavBytes(format, (await stat(input)).size) > limitBytes) throw new MediaTooLarge(limitBytes);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'earshot-sox-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const output = path.join(dir, 'converted.wav');
  try {
    await run('sox', ['-q', ...INPUT_ARGS[format], input, '-t', 'wav', '-e', 'signed-integer', '-b', '16', output], {
      timeout: TIMEOUT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: OUTPUT_LIMIT,
      windowsHide: true,
    });
  } catch (error) {
    await cleanup();
    const { stderr, killed, code } = error as { stderr?: string; killed?: boolean; code?: unknown };
    if (code === 'ENOENT') return { ok: false, error: `sox is not installed: ${format} recordings cannot be converted` };
    const why = killed ? `took longer than ${TIMEOUT_MS / 1000} s` : withoutFilePaths(String(stderr ?? '').trim()).slice(0, 300) || 'failed';
    return { ok: false, error: `sox could not convert the ${format} recording: ${why}` };
  }
  return { ok: true, path: output, cleanup };
}
