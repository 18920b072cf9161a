// Recordings on real Postgres and a real media store: uploads (raw and multipart), media_url fetching
// from a local HTTP server, probing real speech, and the bad inputs around them.
import { createServer, type Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DestinationPolicy } from '../../server/media/destination-policy.js';
import { bytesOf, silence, soxDuration, speech } from '../support/audio.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';
import { testRecordingSettings } from '../support/recordings.js';
import { LocalMediaStore } from '../../server/media/local-store.js';

const LIMIT = 256 * 1024;
let ctx: TestContext;
let integration: Integration;
let settings: ReturnType<typeof testRecordingSettings>;
let wav: string;
let gsm: string;
let pbx: Server;
let pbxUrl: string;
let flakyHits = 0;

beforeAll(async () => {
  settings = testRecordingSettings({ limitBytes: LIMIT });
  ctx = await createTestContext({ settings: { recordings: settings } });
  ({ integration } = await seedWorld(ctx));
  wav = speech('Добрый день, служба поддержки слушает');
  gsm = speech('Запись в формате GSM', 'gsm');
  pbx = createServer((req, res) => {
    if (req.url === '/rec/private.wav') {
      if (req.headers.authorization !== `Basic ${Buffer.from('pbx:s3cret').toString('base64')}`) return res.writeHead(401).end();
      return res.writeHead(200, { 'content-type': 'audio/x-wav' }).end(bytesOf(wav));
    }
    if (req.url === '/monitor/out-201-20240601-090000-1717221600.9.gsm') return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytesOf(gsm));
    if (req.url === '/rec/ok.wav') return res.writeHead(200, { 'content-type': 'audio/x-wav' }).end(bytesOf(wav));
    if (req.url === '/rec/moved') return res.writeHead(302, { location: '/rec/ok.wav' }).end();
    if (req.url === '/rec/loop') return res.writeHead(302, { location: '/rec/loop' }).end();
    if (req.url === '/rec/flaky.wav') return ++flakyHits === 1 ? res.writeHead(503).end() : res.writeHead(200).end(bytesOf(wav));
    if (req.url === '/rec/huge.wav') return res.writeHead(200, { 'content-length': String(LIMIT * 4) }).end();
    if (req.url === '/rec/endless.wav') {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024);
      const pump = () => res.write(chunk) && !res.destroyed ? setImmediate(pump) : res.destroyed || res.once('drain', pump);
      return pump();
    }
    if (req.url === '/rec/hang.wav') return; // never answers: the fetch deadline must end it
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => pbx.listen(0, '127.0.0.1', resolve));
  pbxUrl = `http://127.0.0.1:${(pbx.address() as AddressInfo).port}`;
});
afterAll(async () => {
  pbx.closeAllConnections();
  pbx.close();
  await ctx.close();
});

const put = (uid: string, body: Buffer | ReadableStream, headers: Record<string, string> = {}) =>
  ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls/${encodeURIComponent(uid)}/recording`, {
    method: 'PUT',
    headers: { authorization: integration.token, 'content-type': 'audio/wav', ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);

async function postAndRead(overrides: Record<string, unknown>) {
  const res = await postCall(ctx, integration, callBody(overrides));
  expect(res.status).toBeLessThan(300);
  return ((await res.json()) as { id: string }).id;
}

async function media(id: string) {
  const res = await ctx.admin('GET', `/api/v1/communications/${id}`);
  return ((await res.json()) as { duration: number | null; media: Record<string, unknown> | null }) ;
}

const count = async (table: 'media' | 'communications') => Number((await ctx.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
const stagingLeft = () => readdirSync(`${(settings.store as unknown as { dir: string }).dir}/tmp`).length;

describe('PUT .../phone_calls/{uid}/recording', () => {
  it('stores real speech, probes its duration and fills the missing call duration', async () => {
    const id = await postAndRead({ uid: 'put-1', duration: null });
    const res = await put('put-1', bytesOf(wav));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; media: { state: string; duration: number; mime: string; size: number } };
    expect(body).toMatchObject({ id, uid: 'put-1', media: { state: 'ready', mime: 'audio/wav', size: bytesOf(wav).length } });
    expect(body.media.duration).toBeCloseTo(soxDuration(wav), 2);
    const read = await media(id);
    expect(read.duration).toBeCloseTo(soxDuration(wav), 2);
    expect(read.media).toMatchObject({ state: 'ready', url: expect.stringMatching(/^http:\/\/earshot\.test\/media\/[0-9a-f-]{36}\?expires=\d+&sig=/) });
  });

  it('keeps the posted duration, and the same bytes twice are stored once', async () => {
    const id = await postAndRead({ uid: 'put-2', duration: 99 });
    const before = await count('media');
    expect((await put('put-2', bytesOf(wav))).status).toBe(200);
    expect(await count('media')).toBe(before);
    expect((await media(id)).duration).toBe(99);
  });

  it('keeps corrupt or truncated audio, flagged, instead of failing', async () => {
    const id = await postAndRead({ uid: 'put-corrupt' });
    const truncated = bytesOf(wav).subarray(0, 30);
    const res = await put('put-corrupt', truncated);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ media: { state: 'corrupt', error: expect.any(String), size: 30 } });
    const noise = await put('put-corrupt', Buffer.from('this is not audio at all, just text'.repeat(40)));
    expect(await noise.json()).toMatchObject({ media: { state: 'corrupt' } });
    expect((await media(id)).media).toMatchObject({ state: 'corrupt' });
  });

  it('answers 413 past the recording limit, declared or streamed, and keeps nothing', async () => {
    await postAndRead({ uid: 'put-big' });
    const before = await count('media');
    const big = Buffer.alloc(LIMIT + 1);
    const declared = await put('put-big', big, { 'content-length': String(2 * 1024 * 1024 + LIMIT) });
    expect(declared.status).toBe(413);
    const streamed = await put('put-big', new Blob([big]).stream() as ReadableStream);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(await count('media')).toBe(before);
    expect(stagingLeft()).toBe(0);
  });

  it('stores a raw GSM upload (audio/x-gsm) converted to WAV; 413 when the WAV would pass the limit, keeping nothing', async () => {
    const id = await postAndRead({ uid: 'put-gsm', duration: null });
    const res = await put('put-gsm', bytesOf(gsm), { 'content-type': 'audio/x-gsm' });
    expect(res.status).toBe(200);
    const seconds = (Math.floor(bytesOf(gsm).length / 33) * 160) / 8000;
    expect(await res.json()).toMatchObject({ media: { state: 'ready', mime: 'audio/wav', format: 'WAVE/PCM', size: 44 + seconds * 16000 } });
    expect((await media(id)).duration).toBeCloseTo(seconds, 2);

    const before = await count('media');
    const long = bytesOf(silence(20, 'gsm')); // 33 KB of GSM, 320 KB as WAV
    expect(long.length).toBeLessThan(LIMIT);
    const big = await put('put-gsm', long, { 'content-type': 'audio/gsm' });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(await count('media')).toBe(before);
    expect(stagingLeft()).toBe(0);
  });

  it('converts a .gsm a pull source downloads (named by the URL path, served as octet-stream)', async () => {
    const stored = await ctx.services.recordings.importUrl(`${pbxUrl}/monitor/out-201-20240601-090000-1717221600.9.gsm`, {});
    expect(stored).toMatchObject({ state: 'ready', mime: 'audio/wav', format: 'WAVE/PCM' });
    expect(stored.duration_s).toBeCloseTo((Math.floor(bytesOf(gsm).length / 33) * 160) / 8000, 2);
  });

  it('refuses a body that is not audio by its Content-Type (415) and keeps the recording it had', async () => {
    const id = await postAndRead({ uid: 'put-typed' });
    expect((await put('put-typed', bytesOf(wav))).status).toBe(200);
    const before = await media(id);
    for (const type of ['application/json', 'application/x-www-form-urlencoded', 'text/html; charset=utf-8']) {
      const res = await put('put-typed', Buffer.from('{}'), { 'content-type': type });
      expect(res.status).toBe(415);
      expect(await res.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
    }
    expect((await media(id)).media).toMatchObject({ state: 'ready', sha256: (before.media as { sha256: string }).sha256 });
    expect(stagingLeft()).toBe(0);
    // Generic and missing types are left to the probe.
    expect((await put('put-typed', bytesOf(wav), { 'content-type': 'application/octet-stream' })).status).toBe(200);
  });

  it('answers 404 for an unknown uid and 401 for a wrong token', async () => {
    const unknown = await put('no-such-call', bytesOf(wav));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'communication_not_found' } });
    expect((await put('put-1', bytesOf(wav), { authorization: 'wrong' })).status).toBe(401);
  });
});

describe('multipart call with a recording part', () => {
  const form = (fields: Record<string, string>, file?: Buffer) => {
    const data = new FormData();
    for (const [k, v] of Object.entries(fields)) data.append(k, v);
    if (file) data.append('recording', new Blob([file], { type: 'audio/wav' }), 'call.wav');
    return data;
  };
  const postForm = (data: FormData) =>
    ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls`, { method: 'POST', headers: { authorization: integration.token }, body: data });

  it('creates the call from form fields and links the recording (media_url optional)', async () => {
    const res = await postForm(
      form({ operator_id: 'operator@email.com', started_at: '2024-03-01T10:00:00+03:00', uid: 'mp-1', duration: '12.5', client: '{"id": "c-mp", "first_name": "Ivan"}' }, bytesOf(wav)),
    );
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const read = (await (await ctx.admin('GET', `/api/v1/communications/${id}`)).json()) as Record<string, unknown>;
    expect(read).toMatchObject({ uid: 'mp-1', duration: 12.5, client: { id: 'c-mp', first_name: 'Ivan' }, media: { state: 'ready', source_url: null } });
  });

  it('converts a recording part named .gsm (sent as octet-stream) to WAV', async () => {
    const data = new FormData();
    data.append('call', JSON.stringify(callBody({ uid: 'mp-gsm', media_url: undefined })));
    data.append('recording', new Blob([bytesOf(gsm)], { type: 'application/octet-stream' }), 'out-201-1717221600.9.gsm');
    const res = await postForm(data);
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect((await media(id)).media).toMatchObject({ state: 'ready', mime: 'audio/wav', format: 'WAVE/PCM' });
  });

  it('accepts the whole JSON body in a `call` part', async () => {
    const res = await postForm(form({ call: JSON.stringify(callBody({ uid: 'mp-2', media_url: undefined })) }, bytesOf(wav)));
    expect(res.status).toBe(201);
  });

  it('refuses a bad call without keeping its recording, and asks for media_url when no recording is sent', async () => {
    const before = await count('media');
    const bad = await postForm(form({ operator_id: 'nobody@x', started_at: '2024-03-01T10:00:00+03:00', uid: 'mp-bad' }, bytesOf(wav)));
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ error: { code: 'operator_not_found' } });
    const invalid = await postForm(form({ operator_id: 'operator@email.com', started_at: '2024-03-01T10:00:00+03:00', duration: 'long' }, bytesOf(wav)));
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toMatchObject({ error: { details: [expect.objectContaining({ path: 'duration' })] } });
    const noMedia = await postForm(form({ operator_id: 'operator@email.com', started_at: '2024-03-01T10:00:00+03:00' }));
    expect(noMedia.status).toBe(422);
    expect(await noMedia.json()).toMatchObject({ error: { details: [{ path: 'media_url', code: 'required' }] } });
    const badJson = await postForm(form({ operator_id: 'operator@email.com', started_at: '2024-03-01T10:00:00+03:00', client: '{oops' }, bytesOf(wav)));
    expect(await badJson.json()).toMatchObject({ error: { details: [{ path: 'client', code: 'invalid_json' }] } });
    expect(await count('media')).toBe(before);
    expect(stagingLeft()).toBe(0);
  });

  it('refuses a recording part that is not audio (415) and stores no call', async () => {
    const data = new FormData();
    for (const [k, v] of Object.entries({ uid: 'mp-json', operator_id: 'operator@email.com', started_at: '2024-03-01T10:00:00Z' })) data.append(k, v);
    data.append('recording', new Blob(['{}'], { type: 'application/json' }), 'call.json');
    const res = await postForm(data);
    expect(res.status).toBe(415);
    expect(await ctx.db.selectFrom('communications').select('id').where('uid', '=', 'mp-json').execute()).toEqual([]);
  });

  it('answers 413 in the JSON error shape on a listening server when a streamed recording part is over the limit', async () => {
    const server = serve({ fetch: ctx.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    try {
      const boundary = 'earshot-boundary';
      const head = Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="operator_id"\r\n\r\noperator@email.com\r\n` +
          `--${boundary}\r\ncontent-disposition: form-data; name="started_at"\r\n\r\n2024-03-01T10:00:00+03:00\r\n` +
          `--${boundary}\r\ncontent-disposition: form-data; name="recording"; filename="big.wav"\r\ncontent-type: audio/wav\r\n\r\n`,
      );
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0) controller.enqueue(head);
          else if (sent < LIMIT * 3) controller.enqueue(new Uint8Array(64 * 1024));
          else {
            controller.enqueue(Buffer.from(`\r\n--${boundary}--\r\n`));
            controller.close();
          }
          sent += sent === 0 ? 1 : 64 * 1024;
        },
      });
      const before = await count('media');
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/integrations/${integration.id}/phone_calls`, {
        method: 'POST',
        headers: { authorization: integration.token, 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
        duplex: 'half',
        signal: AbortSignal.timeout(10_000),
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ error: { code: 'payload_too_large' } });
      expect(await count('media')).toBe(before);
      expect(stagingLeft()).toBe(0);
    } finally {
      server.close();
    }
  });

  it('answers 400 for a body that is not multipart at all despite the header', async () => {
    const res = await ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls`, {
      method: 'POST',
      headers: { authorization: integration.token, 'content-type': 'multipart/form-data' },
      body: 'garbage',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_multipart' } });
  });
});

describe('fetching media_url', () => {
  const drainUntilIdle = async () => {
    for (let i = 0; i < 20; i++) {
      await ctx.services.recordings.fetchPending();
      const pending = await ctx.db.selectFrom('outbox').select('id').where('topic', '=', 'media').where('state', '=', 'pending').execute();
      if (pending.length === 0) return;
      await new Promise((r) => setTimeout(r, 60));
    }
  };

  it('downloads, follows a redirect, retries a 503, and records permanent failures on the call', async () => {
    const ok = await postAndRead({ uid: 'f-ok', media_url: `${pbxUrl}/rec/ok.wav`, duration: null });
    const moved = await postAndRead({ uid: 'f-moved', media_url: `${pbxUrl}/rec/moved` });
    const flaky = await postAndRead({ uid: 'f-flaky', media_url: `${pbxUrl}/rec/flaky.wav` });
    const missing = await postAndRead({ uid: 'f-404', media_url: `${pbxUrl}/rec/gone.wav` });
    const loop = await postAndRead({ uid: 'f-loop', media_url: `${pbxUrl}/rec/loop` });
    const huge = await postAndRead({ uid: 'f-huge', media_url: `${pbxUrl}/rec/huge.wav` });
    const endless = await postAndRead({ uid: 'f-endless', media_url: `${pbxUrl}/rec/endless.wav` });
    await drainUntilIdle();

    const okMedia = await media(ok);
    expect(okMedia.media).toMatchObject({ state: 'ready', source_url: `${pbxUrl}/rec/ok.wav`, mime: 'audio/wav' });
    expect(okMedia.duration).toBeCloseTo(soxDuration(wav), 2);
    expect((await media(moved)).media).toMatchObject({ state: 'ready' });
    expect((await media(flaky)).media).toMatchObject({ state: 'ready' });
    expect(flakyHits).toBe(2);
    expect((await media(missing)).media).toMatchObject({ state: 'failed', url: null, error: expect.stringContaining('HTTP 404') });
    expect((await media(loop)).media).toMatchObject({ state: 'failed', error: expect.stringContaining('redirects') });
    expect((await media(huge)).media).toMatchObject({ state: 'failed', error: expect.stringContaining('over the limit') });
    expect((await media(endless)).media).toMatchObject({ state: 'failed', error: expect.stringContaining('over the limit') });
    const dead = await ctx.db.selectFrom('outbox').select('key').where('topic', '=', 'media').where('state', '=', 'dead').execute();
    expect(dead.map((d) => d.key)).toEqual(expect.arrayContaining([missing, loop, huge, endless]));
    expect(dead.map((d) => d.key)).not.toContain(flaky);
    expect(stagingLeft()).toBe(0);
  });

  it('gives up on a server that never answers after the retries, with the reason', async () => {
    const hang = await postAndRead({ uid: 'f-hang', media_url: `${pbxUrl}/rec/hang.wav` });
    const strict = testRecordingSettings({ fetchTimeoutMs: 150, backoff: { baseMs: 1, maxMs: 2, maxAttempts: 2 } });
    const { Recordings } = await import('../../server/services/recordings.js');
    const recordings = new Recordings(ctx.db, strict.store, 'k'.repeat(32), 'http://x', strict);
    for (let i = 0; i < 5; i++) {
      await recordings.fetchPending();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await media(hang)).media).toMatchObject({ state: 'failed', error: 'timed out' });
  });

  it('asks a host that does not answer once per pass, reschedules its other recordings with the reason, and fetches from other hosts', async () => {
    await drainUntilIdle();
    let connections = 0;
    const dead = createServer();
    dead.on('connection', (socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    try {
      const lost = [];
      for (let i = 0; i < 5; i++) lost.push(await postAndRead({ uid: `f-down-${i}`, media_url: `${deadUrl}/rec/${i}.wav` }));
      const fine = await postAndRead({ uid: 'f-up', media_url: `${pbxUrl}/rec/ok.wav` });
      const passStarted = Date.now();
      const report = await ctx.services.recordings.fetchPending();

      expect(report).toMatchObject({ fetched: 1, retried: 5, failed: 0 });
      expect(connections).toBe(1);
      expect((await media(fine)).media).toMatchObject({ state: 'ready' });
      const rows = await ctx.db.selectFrom('outbox').selectAll().where('topic', '=', 'media').where('key', 'in', lost).execute();
      expect(rows).toHaveLength(5);
      for (const row of rows) {
        expect(row).toMatchObject({ state: 'pending', attempts: 1, last_error: expect.stringMatching(/ECONNRESET|socket hang up/) });
        expect(row.run_after.getTime()).toBeGreaterThanOrEqual(passStarted); // rescheduled with backoff, not buried
      }
      // The next pass asks the host again (once), since it may be back.
      await ctx.db.updateTable('outbox').set({ run_after: new Date(Date.now() - 1000) }).where('key', 'in', lost).execute();
      await ctx.services.recordings.fetchPending();
      expect(connections).toBe(2);
    } finally {
      dead.close();
      await ctx.db.deleteFrom('outbox').where('topic', '=', 'media').execute();
    }
  });

  it('handles each recording once per pass, even when its retry comes due before the pass ends', async () => {
    await drainUntilIdle();
    const dead = createServer();
    dead.on('connection', (socket) => socket.destroy());
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    try {
      const lost = [];
      for (let i = 0; i < 5; i++) lost.push(await postAndRead({ uid: `f-once-${i}`, media_url: `${deadUrl}/rec/${i}.wav` }));
      const { Recordings } = await import('../../server/services/recordings.js');
      // Retries due after about a millisecond, read two rows at a time: without the rule the pass would
      // keep meeting its own retries.
      const quick = testRecordingSettings({ fetchBatch: 2, backoff: { baseMs: 1, maxMs: 1, maxAttempts: 100 } });
      const report = await new Recordings(ctx.db, quick.store, 'k'.repeat(32), 'http://x', quick).fetchPending();
      expect(report).toMatchObject({ fetched: 0, retried: 5, failed: 0 });
      const rows = await ctx.db.selectFrom('outbox').select('attempts').where('topic', '=', 'media').where('key', 'in', lost).execute();
      expect(rows.map((r) => r.attempts)).toEqual([1, 1, 1, 1, 1]);
    } finally {
      dead.close();
      await ctx.db.deleteFrom('outbox').where('topic', '=', 'media').execute();
    }
  });

  it('refuses private and loopback destinations unless they are allowed', async () => {
    const blocked = await postAndRead({ uid: 'f-private', media_url: `${pbxUrl}/rec/ok.wav` });
    const { Recordings } = await import('../../server/services/recordings.js');
    const closed = testRecordingSettings({ policy: new DestinationPolicy() });
    await new Recordings(ctx.db, closed.store, 'k'.repeat(32), 'http://x', closed).fetchPending();
    expect((await media(blocked)).media).toMatchObject({ state: 'failed', error: expect.stringContaining('not allowed') });
    const byName = await postAndRead({ uid: 'f-localhost', media_url: `${pbxUrl.replace('127.0.0.1', 'localhost')}/rec/ok.wav` });
    await new Recordings(ctx.db, closed.store, 'k'.repeat(32), 'http://x', closed).fetchPending();
    expect((await media(byName)).media).toMatchObject({ state: 'failed', error: expect.stringContaining('not allowed') });
  });
});

describe('what media shows of URLs and failures', () => {
  it('keeps user:password@ of a media_url out of the call, its raw body, the outbox and the API, and still fetches with it', async () => {
    const posted = `${pbxUrl.replace('http://', 'http://pbx:s3cret@')}/rec/private.wav`;
    const shown = `${pbxUrl}/rec/private.wav`;
    const id = await postAndRead({ uid: 'cred-1', media_url: posted });
    const stored = await ctx.db.selectFrom('communications').select(['media_url', 'raw']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.media_url).toBe(shown);
    expect(JSON.stringify(stored.raw)).not.toContain('s3cret');
    const outbox = await ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'media').where('key', '=', id).execute();
    expect(outbox).toHaveLength(1);
    expect(JSON.stringify(outbox[0]!.payload)).not.toContain('s3cret');
    expect(outbox[0]!.payload).toMatchObject({ url: shown, sealed_url: expect.stringMatching(/^v1\./) });

    for (let i = 0; i < 20 && (await media(id)).media?.state !== 'ready'; i++) await ctx.services.recordings.fetchPending();
    const read = await media(id);
    expect(read.media).toMatchObject({ state: 'ready', source_url: shown });
    expect(JSON.stringify(read)).not.toContain('s3cret');
  });

  it('shows a storage failure by its code, never the server path', async () => {
    const id = await postAndRead({ uid: 'store-broken', media_url: `${pbxUrl}/rec/ok.wav` });
    // A store under a regular file: every write fails with ENOTDIR naming the path.
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'earshot-broken-')), 'not-a-dir');
    writeFileSync(file, '');
    const broken = testRecordingSettings({ store: new LocalMediaStore(path.join(file, 'media')), backoff: { baseMs: 1, maxMs: 1, maxAttempts: 1 } });
    const { Recordings } = await import('../../server/services/recordings.js');
    await new Recordings(ctx.db, broken.store, 'k'.repeat(32), 'http://x', broken).fetchPending();
    const error = String((await media(id)).media?.error);
    expect(error).toContain('ENOTDIR');
    expect(error).not.toContain(file);
    expect(error).not.toContain(os.tmpdir());
  });

  it('cleans rows stored before: credentials and paths are not shown', async () => {
    const id = await postAndRead({ uid: 'old-row', media_url: `${pbxUrl}/rec/gone-old.wav` });
    await ctx.db
      .updateTable('communications')
      .set({ media_url: 'https://admin:hunter2@pbx.example/rec/1.wav', media_state: 'failed', media_error: "ENOENT: no such file or directory, open '/var/lib/earshot/media/tmp/abc'" })
      .where('id', '=', id)
      .execute();
    const shown = (await media(id)).media!;
    expect(shown.source_url).toBe('https://pbx.example/rec/1.wav');
    expect(shown.error).toBe("ENOENT: no such file or directory, open '<path>'");
  });
});
