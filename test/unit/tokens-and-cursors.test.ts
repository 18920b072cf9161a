import { describe, expect, it } from 'vitest';
import { DomainError } from '../../server/domain/errors.js';
import { normalizeDirection } from '../../server/domain/direction.js';
import { normalizePhone } from '../../server/domain/phone-number.js';
import { decodeCursor, encodeCursor, type SortKey } from '../../server/domain/sorting.js';
import { generateToken, hashToken, tokenMatches } from '../../server/domain/tokens.js';
import { formatProgress } from '../../scripts/lib/progress.js';

describe('tokens', () => {
  it('are long, distinct, and match only their hash under the same key', () => {
    const a = generateToken('esi');
    expect(a).toMatch(/^esi_[\w-]{43}$/);
    expect(generateToken('esi')).not.toBe(a);
    const hash = hashToken(a, 'k'.repeat(32));
    expect(tokenMatches(a, hash, 'k'.repeat(32))).toBe(true);
    expect(tokenMatches(a + 'x', hash, 'k'.repeat(32))).toBe(false);
    expect(tokenMatches(a, hash, 'j'.repeat(32))).toBe(false);
    expect(tokenMatches(a, 'short', 'k'.repeat(32))).toBe(false);
  });
});

describe('cursors', () => {
  const sort: SortKey[] = [{ field: 'duration', dir: 'desc' }];
  const id = '6f1c3a52-3a0e-4d2f-9a43-5b2d2b9b8f10';

  it('round-trip and are bound to their sort', () => {
    expect(decodeCursor(sort, encodeCursor(sort, [null, id]))).toEqual([null, id]);
    expect(() => decodeCursor([{ field: 'started_at', dir: 'desc' }], encodeCursor(sort, [5, id]))).toThrow(DomainError);
  });

  it.each(['', 'garbage', Buffer.from('{"s":"duration:desc","v":["x","y"]}').toString('base64url'), Buffer.from('{"s":"duration:desc","v":[1,"1 or 1=1"]}').toString('base64url')])(
    'refuse %j',
    (cursor) => {
      expect(() => decodeCursor(sort, cursor)).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
    },
  );
});

describe('direction and phone numbers', () => {
  it('normalises direction aliases', () => {
    expect(['incoming', 'Inbound', 'outgoing', 'OUTBOUND', 'outcoming', 'sideways'].map(normalizeDirection)).toEqual(['incoming', 'incoming', 'outcoming', 'outcoming', 'outcoming', undefined]);
  });

  it('keeps raw numbers and adds E.164 when they parse', () => {
    expect(normalizePhone('+375332222453')).toEqual({ raw: '+375332222453', e164: '+375332222453' });
    expect(normalizePhone('+7 (912) 345-67-89')).toEqual({ raw: '+7 (912) 345-67-89', e164: '+79123456789' });
    expect(normalizePhone('8 912 345-67-89', 'RU').e164).toBe('+79123456789');
    expect(normalizePhone('101').e164).toBeNull();
  });
});

describe('progress line', () => {
  it('shows count, percent, rate and ETA', () => {
    expect(formatProgress(250, 1000, 5)).toBe('250/1000 (25.0%), 50/s, ETA 15s');
  });
});
