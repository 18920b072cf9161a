// Parses ISO 8601 timestamps as PBXes send them, including the odd "Z+03" form and zone-less local times.
import { DateTime, IANAZone } from 'luxon';

export type TimestampResult =
  | { ok: true; date: Date; warning?: { code: 'ambiguous_timezone' | 'timezone_assumed'; message: string } }
  | { ok: false; code: 'invalid_timestamp' | 'timezone_required'; message: string };

const SHAPE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)(Z|[+-]\d{2}(?::?\d{2})?)?(?:([+-]\d{2}(?::?\d{2})?))?$/i;

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/**
 * The years a call, chat or filter bound can fall in. Outside them (year 0 reached a 500 on insert) the
 * text is a typo or a zeroed field, refused like any other bad timestamp.
 */
export const TIMESTAMP_YEARS = { min: 1900, max: 2200 } as const;

/** `defaultZone` is the integration's IANA zone used when the text carries none. */
export function parseTimestamp(text: string, defaultZone: string | null): TimestampResult {
  const result = parseAnyYear(text, defaultZone);
  if (!result.ok) return result;
  const year = result.date.getUTCFullYear();
  if (year < TIMESTAMP_YEARS.min || year > TIMESTAMP_YEARS.max) {
    return { ok: false, code: 'invalid_timestamp', message: `year ${year} is outside ${TIMESTAMP_YEARS.min}–${TIMESTAMP_YEARS.max}` };
  }
  return result;
}

function parseAnyYear(text: string, defaultZone: string | null): TimestampResult {
  const match = SHAPE.exec(text.trim());
  if (!match) return { ok: false, code: 'invalid_timestamp', message: 'expected ISO 8601, e.g. 2019-08-09T18:31:42+03:00' };
  const [, day, time, zone, trailing] = match;
  const local = `${day}T${time!.replace(',', '.')}`;
  if (trailing && zone?.toUpperCase() !== 'Z') {
    return { ok: false, code: 'invalid_timestamp', message: 'two zone offsets' };
  }
  if (zone) {
    const date = withOffset(day!, local, zone);
    if (!date) return invalid('out of range');
    if (trailing) {
      return { ok: true, date, warning: { code: 'ambiguous_timezone', message: `"Z${trailing}" read as UTC; the trailing offset was ignored` } };
    }
    return { ok: true, date };
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

/**
 * A time with an explicit offset needs no zone rules, so the platform's ISO parser reads it (Luxon's is
 * ~30× slower and this runs for every ingested call); it rolls Feb 30 over, so the day is checked here.
 */
function withOffset(day: string, local: string, zone: string): Date | undefined {
  const [year, month, dayOfMonth] = day.split('-').map(Number) as [number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || dayOfMonth < 1 || dayOfMonth > daysInMonth) return undefined;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.length > 3 ? zone.slice(-2) : '00'}`;
  const ms = Date.parse(local + offset);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function invalid(reason: string | null): TimestampResult {
  return { ok: false, code: 'invalid_timestamp', message: `not a valid timestamp: ${reason ?? 'unparsable'}` };
}
