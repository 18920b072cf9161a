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
  /** What earlier attempts of this delivery achieved (e.g. Bitrix24's CALL_ID), so a retry resumes at the failed step. */
  progress?: DeliveryProgress;
  /**
   * Set on a follow-up: the communication's first delivery to this connector, whose CRM record this one
   * updates (a missed call answered after all: its call-back task is closed) instead of making another.
   */
  follows?: FollowedDelivery;
}

export interface FollowedDelivery {
  key: string;
  event: CrmEvent;
  /** What the first delivery's attempts achieved (its task id, call id…). */
  progress: Record<string, unknown>;
}

export interface DeliveryProgress {
  load(): Promise<Record<string, unknown>>;
  save(progress: Record<string, unknown>): Promise<void>;
}

/**
 * Keeps a connector's OAuth tokens: `refresh` is called with the access token the vendor refused and a grant
 * that exchanges the refresh token; it grants once however many deliveries saw that token refused, persists
 * the new secrets (sealed), and answers with them (or with what another delivery stored meanwhile).
 */
export interface TokenKeeper {
  refresh(rejected: string, grant: (current: Record<string, unknown>) => Promise<Record<string, unknown>>): Promise<Record<string, unknown>>;
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
