// The deployment files as an installer meets them: docker-compose.yml parsed and checked for what a
// single-node appliance needs (services, named volumes, healthchecks, restart policies, env from .env,
// the app waiting for a healthy Postgres), the Dockerfile parsed and held to hadolint's main rules
// (hadolint itself cannot be installed on these machines), and .env.example matching the config schema.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

const healthcheck = z.object({ test: z.union([z.string(), z.array(z.string()).min(2)]), interval: z.string(), timeout: z.string(), retries: z.number().int().positive() });
const service = z.object({
  image: z.string().optional(),
  build: z.object({ context: z.string(), dockerfile: z.string() }).optional(),
  restart: z.enum(['always', 'unless-stopped']),
  env_file: z.union([z.string(), z.array(z.string())]).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  volumes: z.array(z.string()).min(1),
  healthcheck: healthcheck.optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.enum(['service_started', 'service_healthy', 'service_completed_successfully']) })).optional(),
  ports: z.array(z.string()).optional(),
});
const compose = z.object({
  name: z.string(),
  services: z.object({ app: service, postgres: service, meilisearch: service }),
  volumes: z.record(z.string(), z.null()),
});

describe('deploy/docker-compose.yml', () => {
  const text = read('deploy/docker-compose.yml');
  const file = compose.parse(parse(text, { merge: true }));
  const { app, postgres, meilisearch } = file.services;

  it('runs the app built from this repository, with its settings from .env', () => {
    expect(existsSync(path.resolve(root, 'deploy', app.build!.context, app.build!.dockerfile))).toBe(true);
    expect([app.env_file].flat()).toContain('.env');
    expect(app.environment?.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(app.environment?.MEILI_URL).toBe('http://meilisearch:7700');
    expect(app.ports?.some((p) => p.endsWith(':8080'))).toBe(true);
  });

  it('starts the app only once Postgres is healthy', () => {
    expect(app.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(app.depends_on?.meilisearch).toBeDefined();
  });

  it('health-checks the databases (the app image carries its own HEALTHCHECK)', () => {
    expect(JSON.stringify(postgres.healthcheck?.test)).toContain('pg_isready');
    expect(JSON.stringify(meilisearch.healthcheck?.test)).toContain('/health');
    expect(read('Dockerfile')).toMatch(/^HEALTHCHECK [^]*?\/healthz/m);
  });

  it('keeps every piece of state in a declared named volume, and declares none it does not use', () => {
    const mounts = Object.values(file.services).flatMap((s) => s.volumes.map((v) => v.split(':')[0]!));
    for (const mount of mounts) expect(Object.keys(file.volumes), `${mount} is not a named volume`).toContain(mount);
    expect(new Set(mounts)).toEqual(new Set(Object.keys(file.volumes)));
    expect(postgres.volumes[0]).toMatch(/:\/var\/lib\/postgresql\/data$/);
    expect(meilisearch.volumes[0]).toMatch(/:\/meili_data$/);
    expect(app.volumes[0]).toMatch(/:\/var\/lib\/earshot$/);
  });

  it('pins image versions and refuses to start without the secrets', () => {
    for (const image of [postgres.image, meilisearch.image]) expect(image).toMatch(/^[\w./-]+:(?!latest$)[\w.-]+$/);
    expect(text).toMatch(/\$\{POSTGRES_PASSWORD:\?/);
    expect(text).toMatch(/\$\{MEILI_MASTER_KEY:\?/);
  });

  it('reads only variables that .env.example documents', () => {
    const documented = new Set([...read('deploy/.env.example').matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const used = [...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(documented, `${name} is not in .env.example`).toContain(name);
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const instructions = DockerfileParser.parse(text).getInstructions();
  const of = (keyword: string) => instructions.filter((i) => i.getKeyword() === keyword);
  const args = (i: Instruction) => i.getArgumentsContent() ?? '';
  const finalStage = instructions.slice(instructions.lastIndexOf(of('FROM').at(-1)!));

  it('parses without a diagnostic from dockerfile-utils', () => {
    expect(validate(text)).toEqual([]);
  });

  it('DL3006/DL3007: base images carry an explicit tag other than latest', () => {
    for (const from of of('FROM')) expect(args(from).split(/\s+/)[0]).toMatch(/^[\w./-]+:(?!latest$)[\w.-]+$/);
  });

  it('DL3020/DL3022: files come in with COPY, and COPY --from names an earlier stage', () => {
    expect(of('ADD')).toEqual([]);
    const stages = of('FROM').map((f) => args(f).split(/\s+AS\s+/i)[1]);
    const sources = of('COPY').flatMap((c) => (c instanceof Copy && c.getFromFlag() ? [c.getFromFlag()!.getValue()] : []));
    expect(sources).toEqual(['build']);
    for (const from of sources) expect(stages).toContain(from);
  });

  it('DL3025: CMD runs in exec (JSON) form so signals reach node', () => {
    expect(of('CMD')).toHaveLength(1);
    expect(JSON.parse(args(of('CMD')[0]!))).toEqual(['node', 'dist/server/main.js']);
  });

  it('DL3002: the final stage runs as a non-root user and declares a HEALTHCHECK', () => {
    const users = finalStage.filter((i) => i.getKeyword() === 'USER').map(args);
    expect(users.at(-1)).toBeDefined();
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    expect(finalStage.some((i) => i.getKeyword() === 'HEALTHCHECK')).toBe(true);
  });

  it('DL3016-style: dependencies come from the lockfile (npm ci), never a floating npm install', () => {
    const runs = of('RUN').map(args);
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    for (const run of runs) expect(run).not.toMatch(/\bnpm (install|i)\b/);
  });

  it('DL3008/DL3009/DL3015: any apt-get install skips recommends and cleans its lists', () => {
    for (const run of of('RUN').map(args).filter((r) => /apt-get install/.test(r))) {
      expect(run).toMatch(/--no-install-recommends/);
      expect(run).toMatch(/rm -rf \/var\/lib\/apt\/lists/);
    }
  });
});

describe('deploy/.env.example', () => {
  it('documents exactly the variables the config schema reads (deploy/check-env.sh)', () => {
    expect(execFileSync('bash', ['deploy/check-env.sh'], { cwd: root, encoding: 'utf8' })).toMatch(/^ok: /);
  });
});
