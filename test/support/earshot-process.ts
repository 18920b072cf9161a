// A real earshot process for end-to-end tests and the soak run: spawned with tsx on a free (or given)
// loopback port, its output kept (and parsed as JSON log lines), ready once /readyz answers 200.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface EarshotProcess {
  base: string;
  child: ChildProcess;
  /** Everything written to stdout and stderr so far (the last 1 MB). */
  output(): string;
  /** The JSON log lines written to stdout so far. */
  lines(): Array<Record<string, unknown>>;
  /** SIGTERM (graceful) or SIGKILL, resolved once the process has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/** Spawns earshot with `env` on top of the test's environment; does not wait for it to be ready. */
export async function spawnEarshot(env: Record<string, string>, port?: number): Promise<EarshotProcess> {
  const listenOn = port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env, PORT: String(listenOn) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let pending = '';
  const lines: Array<Record<string, unknown>> = [];
  const keep = (text: string) => (output = (output + text).slice(-1_000_000));
  child.stdout!.on('data', (chunk: Buffer) => {
    keep(chunk.toString());
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const line of complete) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {}
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => keep(chunk.toString()));
  return {
    base: `http://127.0.0.1:${listenOn}`,
    child,
    output: () => output,
    lines: () => lines,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
  };
}

/** Resolves once /readyz answers 200; throws with the process output when it does not in time. */
export async function waitReady(earshot: EarshotProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${earshot.base}/readyz`, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {}
    if (earshot.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`earshot did not become ready:\n${earshot.output().slice(-4000)}`);
}

export async function startEarshot(env: Record<string, string>, port?: number): Promise<EarshotProcess> {
  const earshot = await spawnEarshot(env, port);
  await waitReady(earshot);
  return earshot;
}
