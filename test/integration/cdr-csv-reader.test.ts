// The Master.csv reader on its own: every line is read exactly once whatever the page size (no valid
// line taken for an over-long one at a page boundary), and rotation or truncation of the file loses
// nothing and re-reads nothing.
import { appendFileSync, copyFileSync, renameSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AsteriskCdrCsv } from '../../server/sources/asterisk-cdr-csv.js';
import type { Cursor, PullSource } from '../../server/sources/port.js';
import { cdrLine, pbxDir } from '../support/pbx-files.js';

const columns = { loguniqueid: true, loguserfield: true, newcdrcolumns: false };
const reader = (file: string) => new AsteriskCdrCsv({ path: file, columns, encoding: 'auto' }, 'UTC');
const line = (i: number) => cdrLine({ src: '201', dst: `+7495${String(i).padStart(7, '0')}`, start: '2024-06-01 09:00:00', uniqueid: `1717221600.${i}`, userfield: 'x'.repeat(150) });

/** Reads pages until the source is done; returns the keys read, the rejections and the cursor after. */
async function drain(source: PullSource, cursor: Cursor | null, limit: number) {
  const keys: string[] = [];
  const rejected: string[] = [];
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await source.read(cursor, limit);
    keys.push(...page.records.map((r) => r.key));
    rejected.push(...page.rejected.map((r) => `${r.at}: ${r.reason}`));
    cursor = page.cursor;
    if (page.done) break;
  }
  return { keys, rejected, cursor };
}

describe('Master.csv pages', () => {
  it('reads every ~300-byte line once for every page size, rejecting none at page boundaries', async () => {
    const dir = pbxDir();
    const file = path.join(dir, 'Master.csv');
    const lines = Array.from({ length: 1_100 }, (_, i) => line(i));
    expect(Buffer.byteLength(lines[0]!)).toBeGreaterThan(250);
    writeFileSync(file, lines.join(''));
    for (const limit of [1, 3, 7, 64, 499, 500, 501, 1_000, 5_000]) {
      const { keys, rejected } = await drain(reader(file), null, limit);
      expect(rejected, `page size ${limit}`).toEqual([]);
      expect(keys, `page size ${limit}`).toEqual(lines.map((_, i) => `1717221600.${i}`));
    }
  });

  it('still rejects a line really longer than 4096 bytes, and reads the lines after it', async () => {
    const dir = pbxDir();
    const file = path.join(dir, 'Master.csv');
    writeFileSync(file, line(1) + '"' + 'y'.repeat(6000) + '"\n' + line(2));
    const { keys, rejected } = await drain(reader(file), null, 500);
    expect(keys).toEqual(['1717221600.1', '1717221600.2']);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toContain('longer than 4096 bytes');
  });
});

/** Lines i..j-1 joined, and the keys they carry. */
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => line(from + k)).join('');
const keys = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => `1717221600.${from + k}`);

/** Reads the first `count` lines of a fresh Master.csv holding lines 0..9 and returns the cursor after them. */
async function partlyRead(file: string, count: number) {
  writeFileSync(file, lines(0, 10));
  const page = await reader(file).read(null, count);
  expect(page.records.map((r) => r.key)).toEqual(keys(0, count));
  return page.cursor;
}

describe('Master.csv rotation and truncation', () => {
  it('after mv to Master.csv.1 (logrotate default) finishes the old file, then reads the new one from its start', async () => {
    for (const limit of [1, 2, 3, 500]) {
      const file = path.join(pbxDir(), 'Master.csv');
      const cursor = await partlyRead(file, 4);
      appendFileSync(file, lines(10, 12)); // written before the rotation, never read yet
      renameSync(file, `${file}.1`);
      writeFileSync(file, lines(100, 105));
      const first = await drain(reader(file), cursor, limit);
      expect(first.rejected, `page size ${limit}`).toEqual([]);
      expect(first.keys, `page size ${limit}`).toEqual([...keys(4, 12), ...keys(100, 105)]);
      // Nothing twice: the cursor after is at the end of the new file, and rotating again finds nothing unread.
      expect((await drain(reader(file), first.cursor, limit)).keys).toEqual([]);
      renameSync(`${file}.1`, `${file}.2`);
      renameSync(file, `${file}.1`);
      writeFileSync(file, '');
      expect((await drain(reader(file), first.cursor, limit)).keys).toEqual([]);
    }
  });

  it('reads the rotated file while no new Master.csv exists yet (logrotate without create), without failing', async () => {
    const file = path.join(pbxDir(), 'Master.csv');
    const cursor = await partlyRead(file, 4);
    renameSync(file, `${file}.1`);
    const before = await drain(reader(file), cursor, 3);
    expect(before.keys).toEqual(keys(4, 10));
    expect((await drain(reader(file), before.cursor, 3)).keys).toEqual([]);
    writeFileSync(file, lines(100, 102));
    expect((await drain(reader(file), before.cursor, 3)).keys).toEqual(keys(100, 102));
    await expect(reader(path.join(pbxDir(), 'Master.csv')).read(cursor, 3)).rejects.toThrow('ENOENT');
  });

  it('finds a dated rotation (dateext) and an older numbered one; an unfinished last line of the rotated file counts', async () => {
    const dir = pbxDir();
    const file = path.join(dir, 'Master.csv');
    const cursor = await partlyRead(file, 2);
    appendFileSync(file, line(10).slice(0, -1)); // Asterisk wrote no newline before the rotation
    renameSync(file, path.join(dir, 'Master.csv-20240601'));
    writeFileSync(file, lines(100, 102));
    renameSync(path.join(dir, 'Master.csv-20240601'), path.join(dir, 'Master.csv.3'));
    const { keys: read, rejected } = await drain(reader(file), cursor, 4);
    expect(rejected).toEqual([]);
    expect(read).toEqual([...keys(2, 11), ...keys(100, 102)]);
  });

  it('rejects an over-long line of a rotated file once, even past the read chunk, and reads the lines after it', async () => {
    const file = path.join(pbxDir(), 'Master.csv');
    const cursor = await partlyRead(file, 10);
    appendFileSync(file, '"' + 'y'.repeat(3 << 20) + '"\n' + lines(10, 12));
    renameSync(file, `${file}.1`);
    writeFileSync(file, lines(100, 101));
    for (const limit of [1, 500]) {
      const { keys: read, rejected } = await drain(reader(file), cursor, limit);
      expect(read, `page size ${limit}`).toEqual([...keys(10, 12), '1717221600.100']);
      expect(rejected, `page size ${limit}`).toEqual([expect.stringMatching(/^Master\.csv\.1 byte \d+: a line longer than 4096 bytes/)]);
    }
  });

  it('does not follow a rotated name that is a symlink, nor a file under a name logrotate does not use', async () => {
    const dir = pbxDir();
    const file = path.join(dir, 'Master.csv');
    const cursor = await partlyRead(file, 4);
    renameSync(file, path.join(dir, 'Master.csv.old-copy'));
    symlinkSync(path.join(dir, 'Master.csv.old-copy'), path.join(dir, 'Master.csv.1'));
    writeFileSync(file, lines(100, 102));
    expect((await drain(reader(file), cursor, 500)).keys).toEqual(keys(100, 102));
  });

  it('after copytruncate reads the rest of the copy, then the live file from its start, never mid-line', async () => {
    for (const grown of [1, 30]) {
      const file = path.join(pbxDir(), 'Master.csv');
      const cursor = await partlyRead(file, 4);
      appendFileSync(file, lines(10, 11));
      copyFileSync(file, `${file}.1`);
      truncateSync(file, 0);
      appendFileSync(file, lines(100, 100 + grown)); // shorter than the offset read, or longer
      expect(statSync(file).size < Number(cursor!.offset)).toBe(grown === 1);
      const { keys: read, rejected } = await drain(reader(file), cursor, 3);
      expect(rejected, `${grown} new lines`).toEqual([]);
      expect(read, `${grown} new lines`).toEqual([...keys(4, 11), ...keys(100, 100 + grown)]);
    }
  });

  it('reads a file replaced by a shorter or a different one from its start', async () => {
    const file = path.join(pbxDir(), 'Master.csv');
    const cursor = await partlyRead(file, 10);
    // a new file (new inode), shorter than the offset
    writeFileSync(`${file}.tmp`, lines(200, 202));
    renameSync(`${file}.tmp`, file);
    const shorter = await drain(reader(file), cursor, 500);
    expect(shorter.keys).toEqual(keys(200, 202));
    // the same inode rewritten in place with other lines, longer than the offset: the first bytes differ
    writeFileSync(file, lines(300, 320));
    expect(statSync(file).size).toBeGreaterThan(Number(shorter.cursor!.offset));
    const rewritten = await drain(reader(file), shorter.cursor, 500);
    expect(rewritten.keys).toEqual(keys(300, 320));
    expect((await drain(reader(file), rewritten.cursor, 500)).keys).toEqual([]);
  });

  it('the same cursor reads the same page again (a crash before the cursor is saved re-reads, never skips)', async () => {
    const file = path.join(pbxDir(), 'Master.csv');
    const cursor = await partlyRead(file, 4);
    renameSync(file, `${file}.1`);
    writeFileSync(file, lines(100, 103));
    const source = reader(file);
    const once = await source.read(cursor, 4);
    const again = await source.read(cursor, 4);
    expect(again).toEqual(once);
    expect(once.records.map((r) => r.key)).toEqual(keys(4, 8));
    expect(once.done).toBe(false);
  });

  it('keeps reading a file whose cursor predates the device and head fields', async () => {
    const file = path.join(pbxDir(), 'Master.csv');
    const cursor = await partlyRead(file, 4);
    const { keys: read } = await drain(reader(file), { offset: cursor!.offset!, ino: cursor!.ino! }, 500);
    expect(read).toEqual(keys(4, 10));
  });
});
