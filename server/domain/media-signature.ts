// Signed, expiring media URLs: an HMAC-SHA256 (under the secret key) of the media id and the expiry.
import { createHmac, timingSafeEqual } from 'node:crypto';

function signature(mediaId: string, expires: number, secretKey: string): string {
  return createHmac('sha256', secretKey).update(`media:${mediaId}:${expires}`).digest('base64url');
}

export function signMediaPath(mediaId: string, expires: number, secretKey: string): string {
  return `/media/${mediaId}?expires=${expires}&sig=${signature(mediaId, expires, secretKey)}`;
}

export type SignatureCheck = 'valid' | 'invalid' | 'expired';

export function checkMediaSignature(mediaId: string, expires: number, sig: string, secretKey: string, nowSeconds: number): SignatureCheck {
  const expected = Buffer.from(signature(mediaId, expires, secretKey));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
  return expires < nowSeconds ? 'expired' : 'valid';
}
