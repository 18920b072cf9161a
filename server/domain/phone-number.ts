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
