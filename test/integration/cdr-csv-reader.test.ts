// The Master.csv reader on its own: every line is read exactly once whatever the page size (no valid
// line taken for an over-long one at a page boundary), and rotation or truncation of the file loses
// nothing and re-reads nothing.
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
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
