// A test's world: its own database copied from the run's template, the services and the app wired to it.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { inject } from 'vitest';
import { createApp } from '../../server/http/app.js';
import type { BodyBudget } from '../../server/http/body-budget.js';
import { createMetrics } from '../../server/http/metrics.js';
import { createLogger } from '../../server/logger.js';
import type { Database } from '../../server/db/schema.js';
import { createServices, type ServiceSettings } from '../../server/services/index.js';
import { testRecordingSettings } from './recordings.js';
import { adminQuery, databaseUrl, dropDatabase } from './test-database.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789';
export const SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789';

let counter = 0;

export interface TestContext {
  db: Kysely<Database>;
  url: string;
  app: ReturnType<typeof createApp>;
  services: ReturnType<typeof createServices>;
  admin(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/** Copies the migrated template into a fresh database for this test file. */
export async function createTestDatabase(): Promise<{ name: string; url: string }> {
  const template = inject('templateDatabase');
  const name = `${template.replace('tpl', 'run')}_${process.pid}_${++counter}`;
  await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  return { name, url: databaseUrl(name) };
}

export interface TestContextOptions {
  bodyLimitBytes?: number;
  trustedProxies?: string[];
  /** The process-wide request body budget (default: 4 × bodyLimitBytes). */
  bodyBudget?: BodyBudget;
  /** Service settings, or a function of the test's database for settings that need it (a search index). */
  settings?: Partial<ServiceSettings> | ((db: Kysely<Database>) => Partial<ServiceSettings>);
}

export async function createTestContext(options: TestContextOptions = {}): Promise<TestContext> {
  const { name, url } = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // Connections ended by the server when the test database is dropped must not crash the run: idle ones
  // report on the pool, and pool.end() resolves before its clients' sockets close.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const settings = typeof options.settings === 'function' ? options.settings(db) : options.settings;
  const metrics = createMetrics();
  const services = createServices(db, {
    secretKey: SECRET_KEY,
    publicUrl: 'http://earshot.test',
    tokenCacheSeconds: 0,
    recordings: testRecordingSettings(),
    ...settings,
    ingest: { onBatch: (size) => metrics.ingestBatchSize.observe(size), ...settings?.ingest },
  });
  await services.adminAuth.ensureAdminToken(ADMIN_TOKEN);
  const app = createApp({
    services,
    metrics,
    logger: createLogger('silent'),
    bodyLimitBytes: options.bodyLimitBytes ?? 1024 * 1024,
    version: 'test',
    trustedProxies: options.trustedProxies,
    bodyBudget: options.bodyBudget,
  });
  const admin = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  return {
    db,
    url,
    app,
    services,
    admin,
    close: async () => {
      await db.destroy();
      await dropDatabase(name);
    },
  };
}
