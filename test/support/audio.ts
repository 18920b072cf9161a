// Real audio fixtures: speech synthesised by espeak-ng, converted by sox (Debian packages; see .ci/run).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = mkdtempSync(path.join(os.tmpdir(), 'earshot-audio-'));
let counter = 0;

export type Format = 'wav' | 'ogg' | 'flac' | 'gsm' | 'sln';

/** sox's output options per format: `.sln` is Asterisk's headerless signed 16-bit little-endian 8 kHz mono. */
const outputArgs = (format: Format) => (format === 'sln' ? ['-t', 'raw', '-e', 'signed-integer', '-b', '16', '-L'] : format === 'gsm' ? ['-t', 'gsm'] : []);

/** A spoken phrase as an 8 kHz mono file (`wav`, `ogg`, `flac`, or Asterisk's raw `gsm` / `sln`, as PBXes record); returns its path. */
export function speech(text: string, format: Format = 'wav'): string {
  const raw = path.join(dir, `raw-${++counter}.wav`);
  const out = path.join(dir, `speech-${counter}.${format}`);
  execFileSync('espeak-ng', ['-v', 'ru', '-w', raw, text]);
  execFileSync('sox', [raw, '-r', '8000', '-c', '1', ...outputArgs(format), out]);
  return out;
}

/** The exact duration sox reads from a file, in seconds. */
export function soxDuration(file: string): number {
  return Number(execFileSync('soxi', ['-D', file]).toString().trim());
}

export const bytesOf = (file: string) => readFileSync(file);

/** Silence of the given length as 8 kHz mono audio, WAV by default (for big files without synthesising speech). */
export function silence(seconds: number, format: Format = 'wav'): string {
  const out = path.join(dir, `silence-${++counter}.${format}`);
  const bits = format === 'gsm' || format === 'sln' ? [] : ['-b', '16'];
  execFileSync('sox', ['-n', '-r', '8000', '-c', '1', ...bits, ...outputArgs(format), out, 'trim', '0', String(seconds)]);
  return out;
}
