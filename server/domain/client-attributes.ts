// Typed client attributes: what a value must be for each type, and the id-based name a search document
// gives an attribute (names are free text; ids are safe as attribute names in every engine).
import { parseTimestamp } from './timestamps.js';

export const CLIENT_ATTRIBUTE_TYPES = ['string', 'number', 'boolean', 'datetime'] as const;
export type ClientAttributeType = (typeof CLIENT_ATTRIBUTE_TYPES)[number];

export interface ClientAttributeDefinition {
  id: string;
  name: string;
  type: ClientAttributeType;
}

export type AttributeValue = string | number | boolean;

/** The stored form of a value (datetimes as UTC ISO 8601), or why it does not fit the type. */
export function coerceAttributeValue(type: ClientAttributeType, value: unknown): { ok: true; value: AttributeValue } | { ok: false; message: string } {
  switch (type) {
    case 'string':
      return typeof value === 'string' && value.length <= 10_000 ? { ok: true, value } : { ok: false, message: 'expected a string of at most 10000 characters' };
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value };
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return { ok: true, value: Number(value) };
      return { ok: false, message: 'expected a number' };
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
      return { ok: false, message: 'expected true or false' };
    case 'datetime': {
      const parsed = typeof value === 'string' ? parseTimestamp(value, null) : undefined;
      return parsed?.ok ? { ok: true, value: parsed.date.toISOString() } : { ok: false, message: 'expected an ISO 8601 timestamp with a zone' };
    }
  }
}

/** The search document attribute holding a client attribute's value. */
export const clientAttributeKey = (id: string) => `ca_${id.replaceAll('-', '')}`;
