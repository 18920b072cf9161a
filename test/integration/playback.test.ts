// Playback through signed URLs: HTTP Range edge cases (suffix, open-ended, multiple ranges, past the
// end), If-Range and ETag, HEAD, and refused signatures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signMediaPath } from '../../server/domain/media-signature.js';
import { bytesOf, speech } from '../support/audio.js';
import { createTestContext, SECRET_KEY, type TestContext } from '../support/context.js';
import { callBody, postCall, seedWorld } from '../support/fixtures.js';

let ctx: TestContext;
let audio: Buffer;
let path: string;
let mediaId: string;
let etag: string;

beforeAll(async () => {
  ctx = await createTestContext();
  const { integration } = await seedWorld(ctx);
  audio = bytesOf(speech('Проверка перемотки записи разговора'));
  await postCall(ctx, integration, callBody({ uid: 'play-1' }));
  const res = await ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls/play-1/recording`, {
    method: 'PUT',
    headers: { authorization: integration.token, 'content-type': 'audio/wav' },
    body: audio,
  });
  const { media } = (await res.json()) as { media: { id: string; url: string; sha256: string } };
  mediaId = media.id;
  path = media.url.replace('http://earshot.test', '');
  etag = `"${media.sha256}"`;
});
afterAll(() => ctx.close());

const get = (headers: Record<string, string> = {}, url = path, method = 'GET') => ctx.app.request(url, { method, headers });
const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer());

describe('GET /media/{id}', () => {
  it('serves the whole file with its type, length, ETag and Accept-Ranges', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('content-length')).toBe(String(audio.length));
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('etag')).toBe(etag);
    expect((await bytes(res)).equals(audio)).toBe(true);
  });

  it('answers single ranges: bounded, open-ended, suffix, clipped at the end, many seeks in a row', async () => {
    const cases: Array<[string, number, number]> = [
      ['bytes=0-99', 0, 99],
      ['bytes=1000-', 1000, audio.length - 1],
      ['bytes=-500', audio.length - 500, audio.length - 1],
      ['bytes=100-999999999', 100, audio.length - 1],
      [`bytes=${audio.length - 1}-${audio.length - 1}`, audio.length - 1, audio.length - 1],
      ['bytes=-999999999', 0, audio.length - 1],
    ];
    for (let seek = 0; seek < 20; seek++) {
      const start = Math.floor((seek / 20) * audio.length);
      cases.push([`bytes=${start}-${start + 4095}`, start, Math.min(start + 4095, audio.length - 1)]);
    }
    for (const [range, start, end] of cases) {
      const res = await get({ range });
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range'), range).toBe(`bytes ${start}-${end}/${audio.length}`);
      expect(res.headers.get('content-length'), range).toBe(String(end - start + 1));
      expect((await bytes(res)).equals(audio.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('answers several ranges as multipart/byteranges, merging overlaps', async () => {
    const res = await get({ range: 'bytes=0-9, 20-29, 25-39, -5' });
    expect(res.status).toBe(206);
    const type = res.headers.get('content-type')!;
    const boundary = /boundary=(.+)$/.exec(type)![1]!;
    const body = await bytes(res);
    expect(res.headers.get('content-length')).toBe(String(body.length));
    const parts = body.toString('latin1').split(`--${boundary}`).slice(1, -1);
    expect(parts).toHaveLength(3);
    const expected: Array<[number, number]> = [[0, 9], [20, 39], [audio.length - 5, audio.length - 1]];
    parts.forEach((part, i) => {
      const [head, data] = part.split('\r\n\r\n') as [string, string];
      const [start, end] = expected[i]!;
      expect(head).toContain(`content-range: bytes ${start}-${end}/${audio.length}`);
      expect(Buffer.from(data.slice(0, end - start + 1), 'latin1').equals(audio.subarray(start, end + 1))).toBe(true);
    });
  });

  it('answers 416 past the end, and ignores malformed or other-unit ranges (whole file)', async () => {
    const past = await get({ range: `bytes=${audio.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${audio.length}`);
    for (const range of ['bytes=10-5', 'items=0-5', 'bytes=abc', 'bytes=-', `bytes=${Array.from({ length: 40 }, (_, i) => `${i}-${i}`).join(',')}`]) {
      const res = await get({ range });
      expect(res.status, range).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(audio.length));
    }
  });

  it('honours If-Range (matching ETag → range, stale → whole file) and If-None-Match (304)', async () => {
    expect((await get({ range: 'bytes=0-9', 'if-range': etag })).status).toBe(206);
    expect((await get({ range: 'bytes=0-9', 'if-range': '"stale"' })).status).toBe(200);
    expect((await get({ range: 'bytes=0-9', 'if-range': 'Wed, 21 Oct 2015 07:28:00 GMT' })).status).toBe(200);
    expect((await get({ 'if-none-match': etag })).status).toBe(304);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await get({ range: 'bytes=0-9' }, path, 'HEAD');
    expect(res.status).toBe(206);
    expect(res.headers.get('content-length')).toBe('10');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('refuses a wrong signature, an expired URL, another id and a missing one', async () => {
    const expired = signMediaPath(mediaId, Math.floor(Date.now() / 1000) - 1, SECRET_KEY);
    expect(await (await get({}, expired)).json()).toMatchObject({ error: { code: 'url_expired' } });
    const tampered = path.replace(/sig=.{4}/, 'sig=AAAA');
    const res = await get({}, tampered);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_signature' } });
    const [, query] = path.split('?');
    expect((await get({}, `/media/00000000-0000-4000-8000-000000000000?${query}`)).status).toBe(403);
    expect((await get({}, `/media/${mediaId}`)).status).toBe(403);
    expect((await get({}, `/media/../../etc/passwd?${query}`)).status).toBe(404);
    const other = '00000000-0000-4000-8000-000000000000';
    expect(await (await get({}, signMediaPath(other, Math.floor(Date.now() / 1000) + 60, SECRET_KEY))).json()).toMatchObject({ error: { code: 'media_not_found' } });
  });
});
