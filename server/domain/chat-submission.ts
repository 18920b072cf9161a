// Turns a validated chat body into what ingestion writes: the call rules for times, client and phone, plus
// messages checked for duplicate ids and put in the order they were sent.
import type { CountryCode } from 'libphonenumber-js';
import { prepareCall, type CallInput, type CallSubmission, type IntegrationContext } from './call-submission.js';
import { Unprocessable, type ErrorDetail } from './errors.js';
import { parseTimestamp } from './timestamps.js';

export interface ChatMessageInput {
  id: string;
  author: 'client' | 'operator' | 'bot';
  text: string;
  sent_at: string;
}

export type ChatInput = Pick<CallInput, 'operator_id' | 'started_at' | 'uid' | 'client' | 'custom_fields' | 'nps' | 'tags' | 'client_phone_number'> & {
  channel?: string | null;
  closed_at?: string | null;
  messages?: ChatMessageInput[] | null;
};

export interface ChatSubmission extends Omit<CallSubmission, 'direction' | 'duration' | 'chainUid' | 'transcript' | 'mediaUrl'> {
  channel: string | null;
  closedAt: Date | null;
  messages: Array<{ message_id: string; author: ChatMessageInput['author']; text: string; sent_at: string }>;
}

export function prepareChat(input: ChatInput, raw: unknown, integration: IntegrationContext, phoneRegion?: CountryCode): ChatSubmission {
  const { direction: _d, duration: _du, chainUid: _c, transcript: _t, mediaUrl: _m, ...call } = prepareCall({ ...input, media_url: null }, raw, integration, phoneRegion);
  const problems: ErrorDetail[] = [];
  const seen = new Map<string, number>();
  const messages = (input.messages ?? []).flatMap((message, i) => {
    const first = seen.get(message.id);
    if (first !== undefined) {
      problems.push({ path: `messages[${i}].id`, code: 'duplicate_message_id', message: `message id "${message.id}" is also messages[${first}].id` });
      return [];
    }
    seen.set(message.id, i);
    const sent = parseTimestamp(message.sent_at, integration.defaultTimezone);
    if (!sent.ok) {
      problems.push({ path: `messages[${i}].sent_at`, code: sent.code, message: sent.message });
      return [];
    }
    return [{ message_id: message.id, author: message.author, text: message.text, sent_at: sent.date.toISOString() }];
  });
  const closed = input.closed_at ? parseTimestamp(input.closed_at, integration.defaultTimezone) : undefined;
  if (closed && !closed.ok) problems.push({ path: 'closed_at', code: closed.code, message: closed.message });
  if (problems.length > 0) throw new Unprocessable(problems[0]!.code, 'the chat cannot be stored as sent', problems);
  messages.sort((a, b) => a.sent_at.localeCompare(b.sent_at) || a.message_id.localeCompare(b.message_id));
  return { ...call, channel: input.channel ?? null, closedAt: closed?.ok ? closed.date : null, messages };
}
