// Real audio fixtures: speech synthesised by espeak-ng, converted by sox (Debian packages; see .ci/run).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = mkdtempSync(path.join(os.tmpdir(), 'earshot-audio-'));
let counter = 0;

/** A spoken phrase as an 8 kHz mono file (`wav`, `ogg` or `flac`, as PBXes record); returns its path. */
export function speech(text: string, format: 'wav' | 'ogg' | 'flac' = 'wav'): string {
  const raw = path.join(dir, `raw-${++counter}.wav`);
  const out = path.join(dir, `speech-${counter}.${format}`);
  execFileSync('espeak-ng', ['-v', 'ru', '-w', raw, text]);
  execFileSync('sox', [raw, '-r', '8000', '-c', '1', out]);
  return out;
}

/** The exact duration sox reads from a file, in seconds. */
export function soxDuration(file: string): number {
  return Number(execFileSync('soxi', ['-D', file]).toString().trim());
}

export const bytesOf = (file: string) => readFileSync(file);

/** Silence of the given length as 8 kHz mono WAV (for big files without synthesising speech). */
export function silence(seconds: number): string {
  const out = path.join(dir, `silence-${++counter}.wav`);
  execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', out, 'trim', '0', String(seconds)]);
  return out;
}
