// The search document of a communication: one pure function, shared by both search adapters.
import { clientAttributeKey, type ClientAttributeType } from '../domain/client-attributes.js';
import type { CustomFieldType } from '../domain/custom-field-types.js';
import type { FieldRef } from '../domain/filters.js';

/** Custom field values appear as cf_<key>, client attributes as ca_<id>; datetimes as epoch seconds. */
export type CustomFieldAttribute = `cf_${string}` | `ca_${string}`;

export interface SearchDocument {
  id: string;
  kind: 'call' | 'chat';
  uid: string;
  integration_id: string;
  operator_id: string | null;
  operator_external_id: string | null;
  department_id: string | null;
  direction: string | null;
  /** Epoch seconds (with milliseconds as the fraction), for range filters and sorting. */
  started_at: number;
  duration: number | null;
  nps: number | null;
  client_id: string | null;
  client_name: string | null;
  /** The phone as received and its E.164 form, distinct. */
  client_phone: string[];
  tags: string[];
  /** Names of the client's tags. */
  client_tags: string[];
  transcript: string;
  messages: string;
  [attribute: CustomFieldAttribute]: string | number | boolean | string[] | number[] | null;
}

export interface DocumentSource {
  id: string;
  kind: 'call' | 'chat';
  uid: string;
  integration_id: string;
  operator_id: string | null;
  operator_external_id: string | null;
  department_id: string | null;
  direction: string | null;
  started_at: Date;
  duration_s: number | null;
  nps: number | null;
  client_external_id: string | null;
  client_first_name: string | null;
  client_last_name: string | null;
  client_company_name: string | null;
  client_phone_raw: string | null;
  client_phone_e164: string | null;
  tags: string[];
  custom_fields: Record<string, unknown>;
  transcript: unknown;
  messages?: Array<{ text?: unknown }> | null;
  client_tags?: string[] | null;
  /** The client's attribute values by attribute id, with their types. */
  client_attributes?: Record<string, { type: ClientAttributeType; value: unknown }> | null;
}

export const customFieldAttribute = (key: string): CustomFieldAttribute => `cf_${key}`;

/** The document attribute a filter field reads. */
export function filterAttribute(field: FieldRef): string {
  if (field.source === 'core') return field.name;
  return field.source === 'custom' ? customFieldAttribute(field.key) : clientAttributeKey(field.id);
}

/** Epoch seconds of an instant, keeping milliseconds. */
export const epochSeconds = (instant: Date | string): number => new Date(instant).getTime() / 1000;

/** A transcript is either plain text or segments with text; the document keeps its words in order. */
export function transcriptText(transcript: unknown): string {
  if (typeof transcript === 'string') return transcript;
  if (!Array.isArray(transcript)) return '';
  return transcript
    .map((segment: unknown) => (segment && typeof segment === 'object' && typeof (segment as { text?: unknown }).text === 'string' ? (segment as { text: string }).text : ''))
    .filter((text) => text !== '')
    .join('\n');
}

function customValue(type: CustomFieldType | undefined, value: unknown): SearchDocument[CustomFieldAttribute] | undefined {
  if (value === null || value === undefined || type === undefined) return undefined;
  if (type === 'datetime') return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? epochSeconds(value) : undefined;
  return value as SearchDocument[CustomFieldAttribute];
}

/** Builds the document; custom fields not (or no longer) defined are left out. */
export function buildSearchDocument(source: DocumentSource, types: ReadonlyMap<string, CustomFieldType>): SearchDocument {
  const name = [source.client_first_name, source.client_last_name, source.client_company_name].filter(Boolean).join(' ');
  const phones = [source.client_phone_raw, source.client_phone_e164].filter((p): p is string => !!p);
  const doc: SearchDocument = {
    id: source.id,
    kind: source.kind,
    uid: source.uid,
    integration_id: source.integration_id,
    operator_id: source.operator_id,
    operator_external_id: source.operator_external_id,
    department_id: source.department_id,
    direction: source.direction,
    started_at: epochSeconds(source.started_at),
    duration: source.duration_s,
    nps: source.nps,
    client_id: source.client_external_id,
    client_name: name === '' ? null : name,
    client_phone: [...new Set(phones)],
    tags: source.tags,
    client_tags: source.client_tags ?? [],
    transcript: transcriptText(source.transcript),
    messages: (source.messages ?? []).map((m) => (typeof m.text === 'string' ? m.text : '')).filter(Boolean).join('\n'),
  };
  for (const [key, value] of Object.entries(source.custom_fields)) {
    const typed = customValue(types.get(key), value);
    if (typed !== undefined) doc[customFieldAttribute(key)] = typed;
  }
  for (const [id, { type, value }] of Object.entries(source.client_attributes ?? {})) {
    const typed = customValue(type, value);
    if (typed !== undefined) doc[clientAttributeKey(id) as CustomFieldAttribute] = typed;
  }
  return doc;
}
