// Finds a call's recording in a MixMonitor-style folder (<root>/YYYY/MM/DD/<name>): by the basename the
// CDR names, or by the uniqueid FreePBX puts at the end of the name. Paths are built only from the
// day's digits and from names the directory listing returned; the CDR's text is only compared.
import { constants } from 'node:fs';
import { access, lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export type FolderLookup = { found: string } | { notYet: string } | { unsafe: string };

/** A WAV header alone: FreePBX treats files this small as no recording. */
const EMPTY_RECORDING_BYTES = 44;
const AUDIO_EXTENSIONS = /\.(wav|WAV|gsm|mp3|ogg|flac|opus|sln)$/;

/** Why the recordings folder cannot be searched (missing, not a directory, not listable), or null when it can. */
export async function unreadableFolder(root: string): Promise<string | null> {
  try {
    if (!(await stat(root)).isDirectory()) return `${root} is not a directory`;
    await access(root, constants.R_OK | constants.X_OK);
    return null;
  } catch (error) {
    return `cannot read ${root}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
}

export function isSafeBasename(name: string): boolean {
  return name.length > 0 && name.length <= 255 && !/[/\\\0]/.test(name) && name !== '.' && name !== '..' && !name.startsWith('.');
}

/**
 * Looks in the call's day folder and the days either side (local time drifts around midnight; a `-` in
 * a caller ID breaks FreePBX's own date parsing). A file still growing (modified in the last
 * `settleSeconds`) or empty counts as not there yet.
 */
export async function findInFolder(
  root: string,
  target: { localDay: string; basename: string | null; uniqueid: string | null },
  settleSeconds: number,
  now = Date.now(),
): Promise<FolderLookup> {
  if (target.basename !== null && !isSafeBasename(target.basename)) return { unsafe: `recordingfile "${target.basename.slice(0, 100)}" is not a plain file name` };
  if (target.basename === null && target.uniqueid === null) return { notYet: 'the record names no recording file and has no uniqueid' };
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(target.localDay);
  if (!day) return { unsafe: `bad day ${target.localDay}` };
  const base = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
  for (const offset of [0, -1, 1]) {
    const d = new Date(base + offset * 86_400_000);
    const folder = path.join(root, String(d.getUTCFullYear()), pad(d.getUTCMonth() + 1), pad(d.getUTCDate()));
    let entries: string[];
    try {
      entries = await readdir(folder);
    } catch {
      continue;
    }
    const match = entries.find((entry) =>
      target.basename !== null ? entry === target.basename : AUDIO_EXTENSIONS.test(entry) && entry.replace(AUDIO_EXTENSIONS, '').endsWith(`-${target.uniqueid}`),
    );
    if (!match) continue;
    const file = path.join(folder, match);
    const info = await lstat(file); // a symlink could point anywhere: refused
    if (!info.isFile()) return { unsafe: `${match} is not a regular file (symlinks are refused)` };
    if (info.size <= EMPTY_RECORDING_BYTES) return { notYet: `${match} is empty so far (${info.size} bytes)` };
    if (now - info.mtimeMs < settleSeconds * 1000) return { notYet: `${match} is still being written` };
    return { found: file };
  }
  return { notYet: `no recording for ${target.basename ?? target.uniqueid} around ${target.localDay}` };
}

const pad = (n: number) => String(n).padStart(2, '0');
