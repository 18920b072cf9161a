// The search-sync job: woken by outbox NOTIFYs for 'search' (gathered for 200 ms, so a new call is searchable
// within a second and a busy stream of commits is indexed in large batches),
// with a cron tick every 10 s as the safety net for missed wake-ups and rows waiting out their backoff.
import { OUTBOX_CHANNEL } from '../db/repositories/outbox.js';
import type { DrainReport, SearchSync } from '../search/sync.js';
import type { Job } from './scheduler.js';

export function searchSyncJob(sync: SearchSync, onDrained: (report: DrainReport) => void): Job {
  return {
    name: 'search-sync',
    schedule: '*/10 * * * * *',
    wakeOn: { channel: OUTBOX_CHANNEL, payloads: ['search'], gatherMs: 200 },
    run: async () => {
      const report = await sync.drain();
      onDrained(report);
      return { indexed: report.indexed, deleted: report.deleted, failed: report.failed };
    },
  };
}
