// Builds the recordings service's settings from config: the local store under the data dir and the
// destination policy for media_url fetches. Used by the composition root and the admin CLIs.
import path from 'node:path';
import type { Config } from '../config.js';
import type { RecordingSettings } from '../services/recordings.js';
import { DestinationPolicy } from './destination-policy.js';
import { LocalMediaStore } from './local-store.js';
import type { MediaStore } from './port.js';

export function recordingSettings(config: Pick<Config, 'recordings' | 'dataDir'>): RecordingSettings & { store: MediaStore } {
  const r = config.recordings;
  return {
    store: new LocalMediaStore(path.resolve(config.dataDir, 'media')),
    policy: new DestinationPolicy(r.fetchAllow, r.fetchDeny),
    limitBytes: r.limitBytes,
    fetchTimeoutMs: r.fetchTimeoutMs,
    maxRedirects: r.maxRedirects,
    urlTtlSeconds: r.urlTtlSeconds,
  };
}
