// The chat body: the call's rules for operator, times, client and custom fields, plus a channel and messages.
import { z } from '@hono/zod-openapi';
import { requiredText, text } from './common.js';
import { PhoneCallSchema } from './phone-call.js';

export const MAX_MESSAGES = 50_000;

export const ChatMessageSchema = z
  .object({
    id: requiredText(255).openapi({ description: "The message's id in the chat platform; a message posted again with it is updated, never doubled" }),
    author: z.enum(['client', 'operator', 'bot']),
    text: z.string().max(100_000),
    sent_at: requiredText(64).openapi({ example: '2024-05-14T10:00:03+03:00' }),
  })
  .openapi('ChatMessage');

export const ChatSchema = PhoneCallSchema.pick({ operator_id: true, started_at: true, uid: true, client: true, custom_fields: true, nps: true, tags: true, client_phone_number: true })
  .extend({
    channel: text(64).nullish().openapi({ description: 'Where the dialogue happened: telegram, whatsapp, web, …' }),
    closed_at: text(64).nullish().openapi({ description: 'When the dialogue ended (ISO 8601); CRMs receive a chat once it is closed' }),
    messages: z.array(ChatMessageSchema).max(MAX_MESSAGES).nullish(),
  })
  .openapi('Chat');
