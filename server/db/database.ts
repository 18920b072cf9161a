// Opens the Kysely instance: a pg Pool when DATABASE_URL is set, else an embedded PGlite in the data dir.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { EmbeddedSignals, PostgresSignals, type DatabaseSignals } from './signals.js';

export type DatabaseKind = 'postgres' | 'embedded';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  signals: DatabaseSignals;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string | undefined;
  poolSize: number;
  dataDir: string;
}

// float8 and int4 already parse to numbers; bigint counts (count(*)) are small enough for numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    });
    // A client losing its server (Postgres restarted) must not crash the process: an idle one reports on the
    // pool, a checked-out one (a job holding its advisory lock, say) on itself. Its query fails (503 to a
    // request, a retry for a job) and the pool drops it on release because it is no longer queryable.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const signals = new PostgresSignals(options.url, pool);
    return {
      db,
      kind: 'postgres',
      signals,
      close: async () => {
        await signals.close();
        await db.destroy();
      },
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  const dir = path.resolve(options.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const pglite = await PGlite.create(dir);
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    kind: 'embedded',
    signals: new EmbeddedSignals(pglite),
    close: async () => {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}
