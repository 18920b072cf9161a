// Recording settings for tests: a throwaway media store, loopback fetches allowed, short timeouts.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DestinationPolicy } from '../../server/media/destination-policy.js';
import { LocalMediaStore } from '../../server/media/local-store.js';
import type { ServiceSettings } from '../../server/services/index.js';

export function testRecordingSettings(overrides: Partial<ServiceSettings['recordings']> = {}): ServiceSettings['recordings'] {
  return {
    store: new LocalMediaStore(mkdtempSync(path.join(os.tmpdir(), 'earshot-media-'))),
    policy: new DestinationPolicy(['127.0.0.1']),
    limitBytes: 5 * 1024 * 1024,
    fetchTimeoutMs: 3_000,
    maxRedirects: 3,
    urlTtlSeconds: 600,
    backoff: { baseMs: 10, maxMs: 50, maxAttempts: 3 },
    ...overrides,
  };
}
