// Secret tokens: generated with enough entropy, stored as an HMAC-SHA256 under the secret key, compared in constant time.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function generateToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string, secretKey: string): string {
  return createHmac('sha256', secretKey).update(token).digest('hex');
}

export function tokenMatches(token: string, storedHash: string, secretKey: string): boolean {
  const candidate = Buffer.from(hashToken(token, secretKey), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return candidate.length === stored.length && timingSafeEqual(candidate, stored);
}
