// Turns a validated phone-call body into what ingestion writes: times, direction, phone, client, warnings.
import { randomUUID } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js';
import { normalizeDirection, type Direction } from './direction.js';
import { Unprocessable, type ErrorDetail } from './errors.js';
import { normalizePhone, type PhoneNumber } from './phone-number.js';
import { parseTimestamp } from './timestamps.js';

export interface TranscriptSegment {
  speaker: 'operator' | 'client';
  start: number;
  end: number;
  text: string;
}

/** The phone-call body after schema validation (http/schemas/phone-call.ts). */
export interface CallInput {
  operator_id: string;
  started_at: string;
  media_url?: string | null;
  uid?: string | null;
  client_phone_number?: string | null;
  direction?: string | null;
  duration?: number | null;
  phone_call_chain_uid?: string | null;
  client?: { id?: string | null; company_name?: string | null; first_name?: string | null; last_name?: string | null } | null;
  custom_fields?: Record<string, unknown> | null;
  nps?: number | null;
  transcript?: string | TranscriptSegment[] | null;
  tags?: string[] | null;
}

export interface CallSubmission {
  integrationId: string;
  defaultZone: string | null;
  uid: string;
  operatorExternalId: string;
  startedAt: Date;
  direction: Direction | null;
  duration: number | null;
  phone: PhoneNumber | null;
  chainUid: string | null;
  nps: number | null;
  client: { externalId: string; firstName: string | null; lastName: string | null; companyName: string | null } | null;
  customFields: Record<string, unknown>;
  transcript: string | TranscriptSegment[] | null;
  tags: string[] | null;
  mediaUrl: string | null;
  raw: unknown;
  warnings: ErrorDetail[];
}

export interface IntegrationContext {
  id: string;
  defaultTimezone: string | null;
}

export function prepareCall(input: CallInput, raw: unknown, integration: IntegrationContext, phoneRegion?: CountryCode): CallSubmission {
  const warnings: ErrorDetail[] = [];
  const started = parseTimestamp(input.started_at, integration.defaultTimezone);
  if (!started.ok) {
    throw new Unprocessable(started.code, started.message, [{ path: 'started_at', code: started.code, message: started.message }]);
  }
  if (started.warning) warnings.push({ path: 'started_at', ...started.warning });
  const client = input.client?.id
    ? {
        externalId: input.client.id,
        firstName: input.client.first_name ?? null,
        lastName: input.client.last_name ?? null,
        companyName: input.client.company_name ?? null,
      }
    : null;
  if (!client && input.client && Object.values(input.client).some((v) => v)) {
    warnings.push({ path: 'client.id', code: 'client_id_missing', message: 'without client.id the client card is not stored; the raw body keeps it' });
  }
  return {
    integrationId: integration.id,
    defaultZone: integration.defaultTimezone,
    uid: input.uid ?? randomUUID(),
    operatorExternalId: input.operator_id,
    startedAt: started.date,
    direction: input.direction ? (normalizeDirection(input.direction) ?? null) : null,
    duration: input.duration ?? null,
    phone: input.client_phone_number ? normalizePhone(input.client_phone_number, phoneRegion) : null,
    chainUid: input.phone_call_chain_uid ?? null,
    nps: input.nps ?? null,
    client,
    customFields: input.custom_fields ?? {},
    transcript: input.transcript ?? null,
    tags: input.tags ?? null,
    mediaUrl: input.media_url ?? null,
    raw,
    warnings,
  };
}
