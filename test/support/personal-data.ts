// Builders and probes for retention and erasure tests: calls and chats holding personal data (a
// recording of their own, a transcript, custom fields, messages), and what the store and index still hold.
import { expect } from 'vitest';
import type { TestContext } from './context.js';
import { bytesOf, silence } from './audio.js';
import { callBody, postCall, type Integration } from './fixtures.js';

let seconds = 1;

export const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

/** A call with its own recording (distinct bytes) and a transcript holding `word`; returns its id. */
export async function callWithRecording(ctx: TestContext, integration: Integration, uid: string, startedAt: string, word: string, extra: Record<string, unknown> = {}, recording = bytesOf(silence((seconds += 0.05)))): Promise<string> {
  const res = await postCall(ctx, integration, callBody({ uid, started_at: startedAt, transcript: `клиент сказал ${word}`, ...extra }));
  expect(res.status, await res.clone().text()).toBe(201);
  const { id } = (await res.json()) as { id: string };
  const put = await ctx.app.request(`/api/v1/integrations/${integration.id}/phone_calls/${encodeURIComponent(uid)}/recording`, {
    method: 'PUT',
    headers: { authorization: integration.token, 'content-type': 'audio/wav' },
    body: recording,
  });
  expect(put.status, await put.clone().text()).toBeLessThan(300);
  return id;
}

export async function chatWithMessages(ctx: TestContext, integration: Integration, uid: string, startedAt: string, word: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await ctx.app.request(`/api/v1/integrations/${integration.id}/chats`, {
    method: 'POST',
    headers: { authorization: integration.token },
    body: JSON.stringify({ uid, operator_id: 'operator@email.com', started_at: startedAt, channel: 'telegram', messages: [{ id: 'm1', author: 'client', text: `вопрос про ${word}`, sent_at: startedAt }], ...extra }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** The recording hash of a communication (null when it has none). */
export async function recordingHash(ctx: TestContext, id: string): Promise<string | null> {
  const row = await ctx.db.selectFrom('communications as c').leftJoin('media as m', 'm.id', 'c.media_id').select('m.sha256').where('c.id', '=', id).executeTakeFirst();
  return row?.sha256 ?? null;
}

/** Uids the search API finds for a text query or a filter (after the outbox is drained, unless `drain` is false). */
export async function searchUids(ctx: TestContext, body: Record<string, unknown>, drain = true): Promise<string[]> {
  if (drain) await ctx.services.searchSync.drain();
  const res = await ctx.admin('POST', '/api/v1/communications/search', body);
  expect(res.status, await res.clone().text()).toBe(200);
  const result = (await res.json()) as { engine: string; items: Array<{ uid: string }> };
  expect(result.engine).toBe('postgres');
  return result.items.map((i) => i.uid).sort();
}
