// Creates one migrated template database for the run; each test file copies it. Drops them all after.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrateToLatest } from '../../server/db/migrator.js';
import type { Database } from '../../server/db/schema.js';
import { adminQuery, databaseUrl, dropDatabase, SERVER_URL, uniqueName } from './test-database.js';

export default async function setup(project: TestProject) {
  const template = uniqueName('earshot_tpl');
  await adminQuery(`CREATE DATABASE "${template}"`);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl(template), max: 2 }) }) });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  project.provide('templateDatabase', template);
  project.provide('serverUrl', SERVER_URL);
  return async () => {
    const client = new pg.Client({ connectionString: SERVER_URL });
    await client.connect();
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`,
      [`${template.replace('tpl', 'run')}%`, template],
    );
    await client.end();
    for (const { datname } of rows) await dropDatabase(datname);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
    serverUrl: string;
  }
}
