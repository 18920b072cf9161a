// The nightly retention purge (03:15 server time; also once at start-up, as every job catches up then).
// The scheduler's advisory lock makes one instance run it; the service's own lock keeps
// `npm run retention` from running beside it.
import { RETENTION_JOB, type Retention } from '../services/retention.js';
import type { Job } from './scheduler.js';

export function retentionJob(retention: Retention): Job {
  return {
    name: RETENTION_JOB,
    schedule: '0 15 3 * * *',
    run: async () => {
      const report = await retention.purge();
      const counts: Record<string, number> = report ? { ...report.counts } : { skipped: 1 };
      return counts;
    },
  };
}
