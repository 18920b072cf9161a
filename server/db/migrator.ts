// Applies migrations/ with Kysely's Migrator; its Postgres adapter holds an advisory lock while migrating,
// so two instances starting together apply each migration once.
import { Migrator, type Kysely } from 'kysely';
import { migrationProvider } from '../../migrations/index.js';
import type { Database } from './schema.js';
import { refreshPlannerStatistics } from './statistics.js';

export interface MigrationReport {
  applied: string[];
  current: string | undefined;
}

export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  // Migrations create and rewrite tables; statistics of the new shape keep the planner's estimates sane.
  if (applied.length > 0) await refreshPlannerStatistics(db);
  const all = await migrator.getMigrations();
  const executed = all.filter((m) => m.executedAt);
  return {
    applied,
    current: executed.at(-1)?.name,
  };
}

/** Names of migrations not yet applied; empty when the schema is current. */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const all = await migrator.getMigrations();
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}

/** Every known migration with when it was applied (undefined: pending), in order. */
export async function migrationStates(db: Kysely<Database>): Promise<Array<{ name: string; executedAt: Date | undefined }>> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  return (await migrator.getMigrations()).map((m) => ({ name: m.name, executedAt: m.executedAt }));
}
