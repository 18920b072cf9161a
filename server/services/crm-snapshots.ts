// What CRM connectors are told about communications, loaded for a batch of deliveries at once: the
// snapshot (recording_url is the recording's stable link, which keeps working in a ticket opened weeks
// later, not the hour-long playback URL), and whether the call's recording is still being fetched.
import type { CommunicationSnapshot } from '../crm/port.js';
import { ALL_INTEGRATIONS } from '../domain/access-scope.js';
import type { Communications } from './communications.js';
import type { RecordingLinks } from './recording-links.js';

export interface DeliverySubject {
  snapshot: CommunicationSnapshot;
  /** A media_url was posted and its fetch has neither stored the recording nor failed yet. */
  mediaPending: boolean;
}

export async function loadSubjects(communications: Communications, links: RecordingLinks, ids: string[]): Promise<Map<string, DeliverySubject>> {
  // Deliveries are the system's own work, not a caller's read: every communication is in scope.
  const items = [...(await communications.items(ALL_INTEGRATIONS, ids)).values()];
  const urls = await links.urlsFor(items.flatMap((c) => (c.media?.id ? [{ communication_id: c.id, media_id: c.media.id }] : [])));
  return new Map(
    items.map((c) => [
      c.id,
      {
        mediaPending: c.media?.state === 'pending',
        snapshot: {
          id: c.id,
          kind: c.kind,
          uid: c.uid,
          integration_id: c.integration_id,
          channel: c.channel,
          direction: c.direction,
          started_at: c.started_at,
          duration: c.duration,
          client_phone_number: c.client_phone_number,
          client_phone_e164: c.client_phone_e164,
          nps: c.nps,
          operator: c.operator,
          client: c.client,
          custom_fields: c.custom_fields,
          tags: c.tags,
          recording_url: urls.get(c.id) ?? null,
        },
      },
    ]),
  );
}
