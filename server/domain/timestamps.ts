// Parses ISO 8601 timestamps as PBXes send them, including the odd "Z+03" form and zone-less local times.
import { DateTime, IANAZone } from 'luxon';

export type TimestampResult =
  | { ok: true; date: Date; warning?: { code: 'ambiguous_timezone' | 'timezone_assumed'; message: string } }
  | { ok: false; code: 'invalid_timestamp' | 'timezone_required'; message: string };

const SHAPE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)(Z|[+-]\d{2}(?::?\d{2})?)?(?:([+-]\d{2}(?::?\d{2})?))?$/i;

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** `defaultZone` is the integration's IANA zone used when the text carries none. */
export function parseTimestamp(text: string, defaultZone: string | null): TimestampResult {
  const match = SHAPE.exec(text.trim());
  if (!match) return { ok: false, code: 'invalid_timestamp', message: 'expected ISO 8601, e.g. 2019-08-09T18:31:42+03:00' };
  const [, day, time, zone, trailing] = match;
  const local = `${day}T${time!.replace(',', '.')}`;
  if (trailing && zone?.toUpperCase() !== 'Z') {
    return { ok: false, code: 'invalid_timestamp', message: 'two zone offsets' };
  }
  if (zone) {
    const parsed = DateTime.fromISO(local + (zone.toUpperCase() === 'Z' ? 'Z' : zone), { setZone: true });
    if (!parsed.isValid) return invalid(parsed.invalidExplanation ?? parsed.invalidReason);
    if (trailing) {
      return {
        ok: true,
        date: parsed.toJSDate(),
        warning: { code: 'ambiguous_timezone', message: `"Z${trailing}" read as UTC; the trailing offset was ignored` },
      };
    }
    return { ok: true, date: parsed.toJSDate() };
  }
  if (!defaultZone) {
    return { ok: false, code: 'timezone_required', message: 'timestamp has no zone and the integration has no default_timezone' };
  }
  const parsed = DateTime.fromISO(local, { zone: defaultZone });
  if (!parsed.isValid) return invalid(parsed.invalidExplanation ?? parsed.invalidReason);
  return {
    ok: true,
    date: parsed.toJSDate(),
    warning: { code: 'timezone_assumed', message: `no zone given; read in ${defaultZone}` },
  };
}

function invalid(reason: string | null): TimestampResult {
  return { ok: false, code: 'invalid_timestamp', message: `not a valid timestamp: ${reason ?? 'unparsable'}` };
}
