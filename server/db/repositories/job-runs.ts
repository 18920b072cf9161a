// When each background job last ran and how it ended: what /readyz and the admin read.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

export async function recordStart(db: Executor, name: string): Promise<void> {
  await db
    .insertInto('job_runs')
    .values({ name, last_started_at: new Date() })
    .onConflict((oc) => oc.column('name').doUpdateSet({ last_started_at: new Date() }))
    .execute();
}

export async function recordFinish(db: Executor, name: string, error: string | null): Promise<void> {
  await db
    .updateTable('job_runs')
    .set({
      last_finished_at: new Date(),
      last_error: error,
      runs: sql`runs + 1`,
      failures: error === null ? sql`failures` : sql`failures + 1`,
    })
    .where('name', '=', name)
    .execute();
}

export async function listRuns(db: Executor) {
  return db.selectFrom('job_runs').selectAll().orderBy('name').execute();
}

/** Keeps what a job's last run reported (the retention counts) on its record. */
export async function recordDetails(db: Executor, name: string, details: Record<string, unknown>): Promise<void> {
  const value = JSON.stringify(details);
  await db.insertInto('job_runs').values({ name, details: value }).onConflict((oc) => oc.column('name').doUpdateSet({ details: value })).execute();
}
