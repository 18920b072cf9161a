// An appended log file read by byte offset (Asterisk's Master.csv) and what logrotate does to it: `mv`
// (the file keeps its inode under a rotated name), copytruncate (a copy under a rotated name, the live
// file cut to 0) or a file replaced outright. A file is known by device, inode and a hash of its first
// bytes; rotated names are only those the directory listing returns that match logrotate's patterns
// (`Master.csv.1`, `Master.csv-20240601`, …), never built from the cursor.
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, open, readdir, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Cursor } from './port.js';

export interface FileRef {
  path: string;
  info: Stats;
}

/** Bytes hashed to tell a file from another one with the same inode or the same length. */
const HEAD_BYTES = 1024;
/** Rotated copies whose first bytes are compared, most recently modified first; older ones were finished long ago. */
const MAX_COPIES = 64;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** logrotate's names for `name`: numbered (`.1`, `.2`) or dated (dateext's `-YYYYMMDD`, `-YYYYMMDD-HH`, `-YYYY-MM-DD`). */
export function rotatedNamePattern(name: string): RegExp {
  return new RegExp(`^${escape(name)}(?:\\.\\d{1,4}|-\\d{8}(?:[-_.]?\\d{1,10})?|-\\d{4}-\\d{2}-\\d{2})$`);
}

/** Whether `info` is the file the cursor was written for (device only compared when the cursor has it). */
export function sameFile(cursor: Cursor, info: Stats): boolean {
  return Number(cursor.ino) === info.ino && (cursor.dev === undefined || Number(cursor.dev) === info.dev);
}

/** A hash of the file's first min(offset, 1 KB) bytes, or null when the file is shorter than that now. */
export async function headHash(file: FileHandle, offset: number): Promise<string | null> {
  const length = Math.min(offset, HEAD_BYTES);
  const buffer = Buffer.alloc(length);
  const { bytesRead } = length > 0 ? await file.read(buffer, 0, length, 0) : { bytesRead: 0 };
  if (bytesRead < length) return null;
  return createHash('sha256').update(buffer).digest('hex').slice(0, 32);
}

/** Whether reading `ref` at `offset` continues what was read: it is at least that long and starts the same (a cursor without a hash trusts the inode). */
export async function continues(ref: FileRef, offset: number, head: string | null): Promise<boolean> {
  if (ref.info.size < offset) return false;
  if (head === null) return true;
  const file = await open(ref.path, 'r').catch(() => null);
  if (!file) return false;
  try {
    return (await headHash(file, offset)) === head;
  } finally {
    await file.close();
  }
}

/**
 * The file the cursor was reading, now under a rotated name next to `live`: the same inode (moved), or
 * else, when something was read, a copy that starts with the same bytes and is at least as long
 * (copytruncate). Symlinks and the live file itself (when there is one) are not candidates.
 */
export async function findRotated(livePath: string, live: Stats | null, cursor: Cursor, offset: number, head: string | null): Promise<FileRef | null> {
  const dir = path.dirname(livePath);
  const pattern = rotatedNamePattern(path.basename(livePath));
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => pattern.test(name));
  } catch {
    return null;
  }
  const candidates: FileRef[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const info = await lstat(file).catch(() => null);
    if (!info?.isFile() || (live && info.ino === live.ino && info.dev === live.dev)) continue;
    candidates.push({ path: file, info });
  }
  const moved = candidates.find((candidate) => sameFile(cursor, candidate.info));
  if (moved && (await continues(moved, offset, head))) return moved;
  if (offset === 0 || head === null) return null;
  const recent = candidates.sort((a, b) => b.info.mtimeMs - a.info.mtimeMs).slice(0, MAX_COPIES);
  for (const candidate of recent) if (await continues(candidate, offset, head)) return candidate;
  return null;
}
