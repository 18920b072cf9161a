// Local-disk MediaStore: <dir>/sha256/ab/cd/<hash>, written to <dir>/tmp first, fsync'd, renamed into place.
// Paths are built only from the hex hash we computed, never from caller input.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { MediaTooLarge } from '../domain/errors.js';
import type { MediaStore, StagedBlob } from './port.js';

const HASH = /^[0-9a-f]{64}$/;

export class LocalMediaStore implements MediaStore {
  constructor(private readonly dir: string) {}

  async stage(body: Readable, limitBytes: number): Promise<StagedBlob> {
    const tmpDir = path.join(this.dir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${randomUUID()}.part`);
    const file = await open(tmp, 'wx', 0o640);
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of body) {
        const bytes = chunk as Buffer;
        size += bytes.byteLength;
        if (size > limitBytes) throw new MediaTooLarge(limitBytes);
        hash.update(bytes);
        await file.write(bytes);
      }
      await file.sync();
    } catch (error) {
      body.destroy();
      await file.close();
      await unlink(tmp).catch(() => {});
      throw error;
    }
    await file.close();
    const sha256 = hash.digest('hex');
    const final = this.pathOf(sha256);
    return {
      sha256,
      size,
      path: tmp,
      commit: async () => {
        await mkdir(path.dirname(final), { recursive: true });
        // Same bytes, same name: renaming over an existing copy is harmless and atomic.
        await rename(tmp, final);
        const dir = await open(path.dirname(final), 'r');
        await dir.sync().finally(() => dir.close());
      },
      discard: () => unlink(tmp).catch(() => {}),
    };
  }

  async size(sha256: string): Promise<number | undefined> {
    try {
      return (await stat(this.pathOf(sha256))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  read(sha256: string, start: number, end: number): Readable {
    return createReadStream(this.pathOf(sha256), { start, end, highWaterMark: 64 * 1024 });
  }

  async remove(sha256: string): Promise<void> {
    await unlink(this.pathOf(sha256)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  async volume(): Promise<{ totalBytes: number; freeBytes: number }> {
    await mkdir(this.dir, { recursive: true });
    const fs = await statfs(this.dir);
    return { totalBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize };
  }

  private pathOf(sha256: string): string {
    if (!HASH.test(sha256)) throw new Error('not a sha256 hex digest');
    return path.join(this.dir, 'sha256', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }
}
