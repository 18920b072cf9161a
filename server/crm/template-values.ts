// What a CRM rule's templates can say about a communication ({{client_phone}}, {{operator_name}}…), shared
// by every connector.
import type { TemplateValues } from '../domain/templates.js';
import type { CommunicationSnapshot } from './port.js';

/** What templates can say about a communication. */
export function templateValues(c: CommunicationSnapshot, status: string): TemplateValues {
  const operatorName = [c.operator?.first_name, c.operator?.last_name].filter(Boolean).join(' ');
  return {
    client_phone: c.client_phone_e164 ?? c.client_phone_number ?? '',
    client_name: [c.client?.first_name, c.client?.last_name].filter(Boolean).join(' ') || (c.client?.company_name ?? ''),
    client_id: c.client?.id ?? '',
    operator_name: operatorName || (c.operator?.external_id ?? ''),
    operator_id: c.operator?.external_id ?? '',
    started_at: c.started_at,
    duration: c.duration === null ? '' : String(Math.round(c.duration)),
    direction: c.direction ?? '',
    status,
    channel: c.channel ?? '',
    recording_url: c.recording_url ?? '',
    communication_id: c.id,
    uid: c.uid,
    custom_fields: c.custom_fields,
  };
}
