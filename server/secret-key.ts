// The secret key that peppers token hashes and signs URLs: from EARSHOT_SECRET_KEY, or generated once
// into the data dir (mode 0600) so an evaluation install works without setup.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function resolveSecretKey(configured: string | undefined, dataDir: string): { key: string; generated: boolean; file?: string } {
  if (configured) return { key: configured, generated: false };
  const file = path.resolve(dataDir, 'secret.key');
  try {
    return { key: readFileSync(file, 'utf8').trim(), generated: false, file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
  return { key, generated: true, file };
}
