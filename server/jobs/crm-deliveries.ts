// The CRM delivery job: woken by outbox NOTIFYs for 'crm' (a posted call reaches the CRM within a
// second), with a tick every 5 s that also picks up deliveries whose backoff has passed. A run fans out and
// starts the connectors' drains without waiting for them (a slow connector never delays the next fan-out).
import { OUTBOX_CHANNEL } from '../db/repositories/outbox.js';
import type { CrmDeliveries } from '../services/crm-deliveries.js';
import type { Job } from './scheduler.js';

export function crmDeliveryJob(deliveries: CrmDeliveries, onDrainError: (error: unknown) => void): Job {
  return {
    name: 'crm-deliveries',
    schedule: '*/5 * * * * *',
    wakeOn: { channel: OUTBOX_CHANNEL, payloads: ['crm'], gatherMs: 250 },
    run: () => deliveries.tick(onDrainError),
  };
}
