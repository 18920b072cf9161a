// scripts/repull-recordings as an admin runs it: a dry run counts, a real run finds recordings that
// appeared since, a second run has nothing left (resume), bad arguments exit 2.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { speech } from '../support/audio.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { createIntegration, createOperator } from '../support/fixtures.js';
import { cdrLine, pbxDir, placeRecording } from '../support/pbx-files.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let ctx: TestContext;
const dir = pbxDir();

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/repull-recordings.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: ctx.url, EARSHOT_DATA_DIR: path.join(dir, 'data'), EARSHOT_SECRET_KEY: 'cli-test-secret-key-0123456789abcdef', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe('repull-recordings', () => {
  it('counts with --dry-run, attaches what appeared, and has nothing left on a second run', async () => {
    const integration = await createIntegration(ctx, { name: 'PBX' });
    await createOperator(ctx, { external_id: '201' });
    const calls = [0, 1, 2].map((i) => ({ src: '201', dst: `+7495200000${i}`, start: `2024-10-0${i + 1} 10:00:00`, uniqueid: `172775160${i}.1` }));
    writeFileSync(path.join(dir, 'Master.csv'), calls.map((c) => cdrLine(c)).join(''));
    mkdirSync(path.join(dir, 'monitor'), { recursive: true }); // a source's recordings_dir must exist when it is defined
    const res = await ctx.admin('POST', '/api/v1/admin/sources', {
      name: 'csv', kind: 'asterisk_cdr_csv', integration_id: integration.id, schedule: '0 * * * *',
      config: { path: path.join(dir, 'Master.csv'), recordings_dir: path.join(dir, 'monitor'), recording_wait_minutes: 0 },
    });
    const { id } = (await res.json()) as { id: string };
    expect((await ctx.services.pullSources.run(id)).missing).toBe(3);
    const audio = speech('Найденная запись');
    placeRecording(path.join(dir, 'monitor'), audio, calls[0]!);
    placeRecording(path.join(dir, 'monitor'), audio, calls[1]!);

    const dry = cli('--source', id, '--from', '2024-10-01', '--to', '2024-10-03', '--dry-run');
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('would look again for 2 recordings');
    const real = cli('--source', id, '--from', '2024-10-01', '--to', '2024-10-03');
    expect(real.status, real.stderr).toBe(0);
    expect(real.stdout).toContain('looked for 2 recordings: found 2, still missing 0');
    expect(real.stderr).toMatch(/re-pulling recordings: 2\/2 \(100\.0%\), \d+\/s, ETA 0s/);
    const again = cli('--source', id, '--from', '2024-10-01', '--to', '2024-10-04');
    expect(again.stdout).toContain('looked for 1 recordings: found 0, still missing 1');
    const states = await ctx.db.selectFrom('communications').select(['uid', 'media_state']).orderBy('uid').execute();
    expect(states.map((s) => s.media_state)).toEqual(['ready', 'ready', 'missing']);
  });

  it('exits 2 with usage on bad arguments', () => {
    const bad = cli('--source', 'x', '--from', 'yesterday', '--to', '2024-10-03');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('usage: repull-recordings');
  });
});
