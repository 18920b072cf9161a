import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../server/domain/timestamps.js';

describe('parseTimestamp', () => {
  it.each([
    ['2019-08-09T18:31:42+03', '2019-08-09T15:31:42.000Z'],
    ['2019-08-09T18:31:42+03:00', '2019-08-09T15:31:42.000Z'],
    ['2019-08-09T18:31:42-0330', '2019-08-09T22:01:42.000Z'],
    ['2019-08-09T18:31:42Z', '2019-08-09T18:31:42.000Z'],
    ['2019-08-09 18:31:42.25z', '2019-08-09T18:31:42.250Z'],
    ['2019-08-09T18:31+03:00', '2019-08-09T15:31:00.000Z'],
    ['2019-08-09T18:31:42+0530', '2019-08-09T13:01:42.000Z'],
    ['2024-02-29T23:59:59.999999-01:00', '2024-03-01T00:59:59.999Z'],
  ])('%s → %s with no warning', (text, utc) => {
    const result = parseTimestamp(text, null);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) {
      expect(result.date.toISOString()).toBe(utc);
      expect(result.warning).toBeUndefined();
    }
  });

  it('reads "Z+03" as UTC and warns', () => {
    const result = parseTimestamp('2020-06-21T09:51:13.588Z+03', null);
    expect(result.ok && result.date.toISOString()).toBe('2020-06-21T09:51:13.588Z');
    expect(result.ok && result.warning?.code).toBe('ambiguous_timezone');
  });

  it('applies the default zone, including its daylight saving offset', () => {
    const summer = parseTimestamp('2024-07-01T12:00:00', 'Europe/Berlin');
    const winter = parseTimestamp('2024-01-01T12:00:00', 'Europe/Berlin');
    expect(summer.ok && summer.date.toISOString()).toBe('2024-07-01T10:00:00.000Z');
    expect(winter.ok && winter.date.toISOString()).toBe('2024-01-01T11:00:00.000Z');
    expect(summer.ok && summer.warning?.code).toBe('timezone_assumed');
  });

  it('needs a zone when there is no default', () => {
    expect(parseTimestamp('2024-01-01T12:00:00', null)).toMatchObject({ ok: false, code: 'timezone_required' });
  });

  it.each(['2019-02-30T10:00:00Z', '2023-02-29T10:00:00Z', '2019-04-31T00:00:00+03', '2019-13-01T00:00:00Z', '2019-08-09T25:00:00Z', 'yesterday', '', '2019-08-09T18:31:42+03+04', '2019-08-09'])(
    'refuses %j as invalid_timestamp',
    (text) => {
      expect(parseTimestamp(text, 'Europe/Moscow')).toMatchObject({ ok: false, code: 'invalid_timestamp' });
    },
  );
});
