// earshot's services in the benchmark's own process, over a throwaway database that is migrated first.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../../server/config.js';
import { migrateToLatest } from '../../server/db/migrator.js';
import type { Database } from '../../server/db/schema.js';
import { recordingSettings } from '../../server/media/recording-settings.js';
import { createServices, type ServiceSettings } from '../../server/services/index.js';

/** `settings` override the benchmark's defaults (an audit writer, a search index). */
export async function openInProcess(url: string, poolSize: number, settings: Partial<ServiceSettings> = {}) {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  pool.on('error', (error) => console.error('pool:', error.message));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await migrateToLatest(db);
  const config = loadConfig({ EARSHOT_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'earshot-bench-')) });
  const services = createServices(db, { secretKey: 'bench-secret-key-0123456789abcdef', publicUrl: 'http://bench', tokenCacheSeconds: 60, recordings: recordingSettings(config), ...settings });
  return { pool, db, services };
}
