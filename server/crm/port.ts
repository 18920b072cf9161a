// The CrmConnector port: given a delivery (the event, a snapshot of the communication, the connector's
// rules and secrets), perform the vendor's calls and say how it went. The runner decides what follows.
import type { CrmEvent, CrmRules } from '../domain/crm-rules.js';

export interface CommunicationSnapshot {
  id: string;
  kind: 'call' | 'chat';
  uid: string;
  integration_id: string;
  channel: string | null;
  direction: 'incoming' | 'outcoming' | null;
  started_at: string;
  duration: number | null;
  client_phone_number: string | null;
  client_phone_e164: string | null;
  nps: number | null;
  operator: { id: string; external_id: string | null; first_name: string | null; last_name: string | null } | null;
  client: { id: string; first_name: string | null; last_name: string | null; company_name: string | null } | null;
  custom_fields: Record<string, unknown>;
  tags: string[];
  recording_url: string | null;
}

export interface Delivery {
  /** Stable across retries and replays: receivers dedupe on it. */
  key: string;
  event: CrmEvent;
  attempt: number;
  communication: CommunicationSnapshot;
  rules: CrmRules;
}

/** What the delivery log keeps of an exchange (secrets never included). */
export interface Exchange {
  request: { method: string; url: string; summary?: string };
  status?: number;
  excerpt?: string;
}

export type DeliveryOutcome =
  | { kind: 'ok'; exchanges: Exchange[] }
  | { kind: 'retryable'; reason: string; retryAfterMs?: number; exchanges: Exchange[] }
  | { kind: 'permanent'; reason: string; exchanges: Exchange[] }
  | { kind: 'auth_broken'; reason: string; exchanges: Exchange[] };

export interface CrmConnector {
  deliver(delivery: Delivery): Promise<DeliveryOutcome>;
}
