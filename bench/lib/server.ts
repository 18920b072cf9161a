// What benchmarks share: throwaway databases on the bench Postgres and a real earshot process on one.
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';

export const BENCH_SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef0123456789';

export function benchDatabaseUrl(name: string): string {
  const url = new URL(BENCH_SERVER);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function adminSql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_SERVER });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * Starts earshot on `url` and resolves once /readyz answers. BENCH_SERVER_NODE_ARGS adds Node flags to the
 * server (profiling: `--cpu-prof --cpu-prof-dir=/tmp/prof`, `--perf-basic-prof`).
 */
export async function startEarshot(url: string, port: number, env: Record<string, string> = {}): Promise<ChildProcess> {
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      EARSHOT_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      EARSHOT_SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789',
      LOG_LEVEL: 'warn',
      EARSHOT_INGEST_RATE_LIMIT: '0', // benchmarks measure capacity from one integration
      DATABASE_POOL_SIZE: '10',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error('earshot did not become ready');
}

export async function stopEarshot(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** An admin API call on a running earshot. */
export async function adminApi(port: number, path: string, body: unknown): Promise<Record<string, string>> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, string>>;
}
