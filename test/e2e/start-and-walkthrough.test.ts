// The README's promise, literally: `npm start` with no DATABASE_URL runs on embedded Postgres, and the
// README's curl walk-through works as written against it. Also: a bad setting stops start-up in one line.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../migrations/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PORT = 18000 + (process.pid % 1000);
let dataDir: string;
let server: ChildProcess;
let log = '';

async function waitReady(url: string, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not ready in ${ms} ms; log:\n${log}`);
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'earshot-e2e-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(PORT), EARSHOT_DATA_DIR: dataDir, EARSHOT_ADMIN_TOKEN: 'my-admin-token-0123456789abcdef0123456789', LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  delete env.EARSHOT_SECRET_KEY;
  server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (d) => (log += d));
  server.stderr!.on('data', (d) => (log += d));
  await waitReady(`http://127.0.0.1:${PORT}/readyz`, 60_000);
}, 90_000);

afterAll(async () => {
  if (server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start without DATABASE_URL', () => {
  it('runs on the embedded database and says it is for evaluation', async () => {
    expect(log).toMatch(/embedded Postgres \(PGlite\).*evaluation only/);
    const all = Object.keys(await migrationProvider.getMigrations());
    expect(log).toContain(`"applied":${JSON.stringify(all)}`);
    expect(log).not.toContain('my-admin-token-0123456789abcdef0123456789');
  });

  it("runs the README's walk-through as written", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Five-line walk-through'));
    const script = /```sh\n([\s\S]*?)```/.exec(section)![1]!.replaceAll('localhost:8080', `localhost:${PORT}`);
    expect(script.trim().split('\n')).toHaveLength(5);
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    const outputs = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(outputs).toHaveLength(4);
    const [integration, operator, call, read] = outputs as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    expect(integration).toMatchObject({ name: 'Office PBX', token: expect.any(String) });
    expect(operator).toMatchObject({ external_id: 'operator@email.com' });
    expect(call).toMatchObject({ uid: 'call-1', status: 'created', warnings: [] });
    expect(read).toMatchObject({ id: call.id, started_at: '2024-05-14T07:31:42.000Z', duration: 93.5, client_phone_e164: '+375332222453', operator: { first_name: 'Olga' } });
  });

  it('makes the walked-through call searchable by its transcript within seconds, and exports the sync metrics', async () => {
    const base = `http://127.0.0.1:${PORT}`;
    const headers = { authorization: 'Bearer my-admin-token-0123456789abcdef0123456789', 'content-type': 'application/json' };
    const integration = (await (await fetch(`${base}/api/v1/admin/integrations`, { method: 'POST', headers, body: JSON.stringify({ name: 'search' }) })).json()) as { id: string; token: string };
    const posted = Date.now();
    const call = await fetch(`${base}/api/v1/integrations/${integration.id}/phone_calls`, {
      method: 'POST',
      headers: { authorization: integration.token, 'content-type': 'application/json' },
      body: JSON.stringify({ uid: 'e2e-search', operator_id: 'operator@email.com', started_at: '2024-05-14T10:00:00+03:00', direction: 'incoming', duration: 12, media_url: 'https://pbx.example/rec/2.wav', transcript: 'Клиент просит возобновления доступа' }),
    });
    expect(call.status, await call.clone().text()).toBe(201);
    let found: Array<{ uid: string; highlight?: string }> = [];
    while (found.length === 0 && Date.now() - posted < 5000) {
      const res = await fetch(`${base}/api/v1/communications/search`, { method: 'POST', headers, body: JSON.stringify({ q: 'возобновление' }) });
      found = ((await res.json()) as { items: typeof found }).items;
    }
    expect(found.map((i) => i.uid)).toEqual(['e2e-search']);
    expect(found[0]!.highlight).toContain('<em>возобновления</em>');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/earshot_outbox_pending\{topic="search"\} 0/);
    expect(metrics).toMatch(/earshot_search_index_lag_seconds_count [1-9]/);
  });

  it('stops on SIGTERM cleanly', async () => {
    server.kill('SIGTERM');
    const code = await new Promise((r) => server.once('exit', r));
    expect(code).toBe(0);
    expect(log).toContain('"msg":"stopped"');
  });
});

describe('configuration errors', () => {
  it('stop start-up with one line naming the variable', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'eighty', EARSHOT_DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(78);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('PORT');
  });
});
