// Signed media URLs: expiring playback URLs (an HMAC-SHA256 under the secret key of the media id and the
// expiry) and stable recording links for CRMs (an HMAC of the link id).
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

/**
 * Stable recording links (for CRMs, opened weeks later): an HMAC of the link id alone, no expiry; the link
 * row is what can be revoked.
 */
function linkSignature(linkId: string, secretKey: string): string {
  return createHmac('sha256', secretKey).update(`recording-link:${linkId}`).digest('base64url');
}

export function signRecordingLinkPath(linkId: string, secretKey: string): string {
  return `/recording-links/${linkId}?sig=${linkSignature(linkId, secretKey)}`;
}

export function checkRecordingLinkSignature(linkId: string, sig: string, secretKey: string): boolean {
  const expected = Buffer.from(linkSignature(linkId, secretKey));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
