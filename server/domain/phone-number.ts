// Phone numbers kept as sent and, when they parse, as E.164 (libphonenumber-js).
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export interface PhoneNumber {
  raw: string;
  e164: string | null;
}

export function normalizePhone(raw: string, defaultRegion?: CountryCode): PhoneNumber {
  const parsed = parsePhoneNumberFromString(raw, defaultRegion);
  return { raw, e164: parsed?.isValid() ? parsed.number : null };
}

export const PHONE_FORMATS = ['e164', 'national', 'digits'] as const;
export type PhoneFormat = (typeof PHONE_FORMATS)[number];

/** A number written the way a CRM wants it: +79123456789, 8 (912) 345-67-89, or 79123456789. */
export function formatPhone(phone: string, format: PhoneFormat): string {
  const parsed = parsePhoneNumberFromString(phone);
  if (!parsed?.isValid()) return phone;
  if (format === 'national') return parsed.formatNational();
  return format === 'digits' ? parsed.number.slice(1) : parsed.number;
}
