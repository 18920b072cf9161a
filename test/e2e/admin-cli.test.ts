// The admin CLIs as an admin runs them: a real process against a real database.
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/schema.js';
import { createTestDatabase } from '../support/context.js';
import { dropDatabase } from '../support/test-database.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let database: { name: string; url: string };
let db: Kysely<Database>;
const dir = mkdtempSync(path.join(tmpdir(), 'earshot-cli-'));

function cli(script: string, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: database.url, EARSHOT_SECRET_KEY: 'cli-test-secret-key-0123456789abcdef', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 2 }) }) });
});
afterAll(async () => {
  await db.destroy();
  await dropDatabase(database.name);
});

describe('admin CLIs', () => {
  it('migrate reports the schema current', () => {
    const run = cli('migrate');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('schema is current');
  });

  it('import-operators: dry run writes nothing, real run imports, bad lines give exit 1 with line numbers', async () => {
    const file = path.join(dir, 'operators.csv');
    writeFileSync(file, 'external_id,email,first_name,department\n201,a@x.com,Ann,Support\n202,broken,Bob,Support\n203,,Cid,Sales\n');
    const dry = cli('import-operators', file, '--dry-run');
    expect(dry.status).toBe(1);
    expect(dry.stdout).toContain('would be created: 2, would be updated: 0, errors: 1');
    expect(dry.stdout).toContain('line 3: email');
    expect(await db.selectFrom('operators').select('id').execute()).toHaveLength(0);

    const real = cli('import-operators', file);
    expect(real.stdout).toContain('created: 2, updated: 0, errors: 1');
    expect(real.stderr).toMatch(/importing operators: 2\/2 \(100\.0%\), \d+\/s, ETA 0s/);
    const rows = await db.selectFrom('operators').select('external_id').orderBy('external_id').execute();
    expect(rows.map((r) => r.external_id)).toEqual(['201', '203']);

    const again = cli('import-operators', file);
    expect(again.stdout).toContain('created: 0, updated: 2');
    expect(cli('import-operators').status).toBe(2);
  });

  it('create-integration prints the token once and stores its hash', async () => {
    const run = cli('create-integration', '--name', 'CLI PBX', '--timezone', 'Europe/Moscow');
    expect(run.status, run.stderr).toBe(0);
    const token = /token: (\S+)/.exec(run.stdout)![1]!;
    const rows = await db.selectFrom('integrations').select(['name', 'token_hash', 'default_timezone']).execute();
    expect(rows).toEqual([expect.objectContaining({ name: 'CLI PBX', default_timezone: 'Europe/Moscow' })]);
    expect(rows[0]!.token_hash).not.toContain(token);
    expect(cli('create-integration', '--name', 'x', '--timezone', 'Nowhere/Land').status).toBe(2);
  });
});
