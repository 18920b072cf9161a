// Use case: the record of background job runs (written by the scheduler, read by readiness and admins).
import type { Executor } from '../db/repositories/executor.js';
import { listRuns, recordFinish, recordStart } from '../db/repositories/job-runs.js';

export class JobRuns {
  constructor(private readonly db: Executor) {}

  started(name: string): Promise<void> {
    return recordStart(this.db, name);
  }

  finished(name: string, error: string | null): Promise<void> {
    return recordFinish(this.db, name, error);
  }

  list() {
    return listRuns(this.db);
  }
}
