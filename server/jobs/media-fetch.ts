// The job that downloads posted media_url recordings: woken by the outbox NOTIFY for topic `media`,
// with a tick every 30 s as the safety net (and to pick up rows whose backoff has passed).
import type { Recordings } from '../services/recordings.js';
import { OUTBOX_CHANNEL } from '../db/repositories/outbox.js';
import type { Job } from './scheduler.js';

export function mediaFetchJob(recordings: Recordings): Job {
  return {
    name: 'media-fetch',
    schedule: '*/30 * * * * *',
    wakeOn: { channel: OUTBOX_CHANNEL, payloads: ['media'], gatherMs: 500 },
    run: async () => ({ ...(await recordings.fetchPending()) }),
  };
}
