// Writing a chat: its client, the communication (kind chat, uid upsert), its messages merged by message id,
// and the outbox rows that announce it — all on the transaction the caller holds.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

export interface ChatRow {
  integration_id: string;
  uid: string;
  operator_id: string;
  department_id: string | null;
  client_id: string | null;
  channel: string | null;
  closed_at: string | null;
  started_at: string;
  client_phone_raw: string | null;
  client_phone_e164: string | null;
  nps: number | null;
  custom_fields: Record<string, unknown>;
  tags: string[] | null;
  warnings: unknown[];
  raw: unknown;
}

export interface MessageRow {
  message_id: string;
  author: 'client' | 'operator' | 'bot';
  text: string;
  sent_at: string;
}

/**
 * Upserts the chat by (integration, uid); undefined when that uid belongs to a call. Custom fields and the raw
 * body merge into what was stored, like a call's; tags are replaced only when the body has them.
 */
export async function upsertChat(db: Executor, row: ChatRow): Promise<{ id: string; created: boolean } | undefined> {
  const { rows } = await sql<{ id: string; created: boolean }>`
    INSERT INTO communications (kind, integration_id, uid, operator_id, department_id, client_id, channel, closed_at, started_at,
      client_phone_raw, client_phone_e164, nps, custom_fields, tags, warnings, raw)
    VALUES ('chat', ${row.integration_id}, ${row.uid}, ${row.operator_id}, ${row.department_id}, ${row.client_id}, ${row.channel}, ${row.closed_at},
      ${row.started_at}, ${row.client_phone_raw}, ${row.client_phone_e164}, ${row.nps}, ${JSON.stringify(row.custom_fields)}::jsonb,
      ${row.tags ?? []}::text[], ${JSON.stringify(row.warnings)}::jsonb, ${JSON.stringify(row.raw)}::jsonb)
    ON CONFLICT (integration_id, uid) DO UPDATE SET
      operator_id = excluded.operator_id,
      department_id = excluded.department_id,
      client_id = coalesce(excluded.client_id, communications.client_id),
      channel = coalesce(excluded.channel, communications.channel),
      closed_at = coalesce(excluded.closed_at, communications.closed_at),
      started_at = excluded.started_at,
      client_phone_raw = coalesce(excluded.client_phone_raw, communications.client_phone_raw),
      client_phone_e164 = CASE WHEN excluded.client_phone_raw IS NULL THEN communications.client_phone_e164 ELSE excluded.client_phone_e164 END,
      nps = coalesce(excluded.nps, communications.nps),
      custom_fields = communications.custom_fields || excluded.custom_fields,
      tags = CASE WHEN ${row.tags !== null} THEN excluded.tags ELSE communications.tags END,
      warnings = excluded.warnings,
      raw = communications.raw || excluded.raw || jsonb_build_object('custom_fields',
        coalesce(communications.raw -> 'custom_fields', '{}'::jsonb) || coalesce(excluded.raw -> 'custom_fields', '{}'::jsonb)),
      updated_at = now()
    WHERE communications.kind = 'chat'
    RETURNING id, (xmax = 0) AS created`.execute(db);
  return rows[0];
}

/** Adds new messages and updates changed ones (same message id), in one statement; counts both. */
export async function mergeMessages(db: Executor, communicationId: string, messages: MessageRow[]): Promise<{ added: number; changed: number }> {
  if (messages.length === 0) return { added: 0, changed: 0 };
  const { rows } = await sql<{ added: boolean }>`
    INSERT INTO messages (communication_id, message_id, author, text, sent_at)
    SELECT ${communicationId}::uuid, m.message_id, m.author, m.text, m.sent_at
    FROM jsonb_to_recordset(${JSON.stringify(messages)}::jsonb) AS m(message_id text, author text, text text, sent_at timestamptz)
    ON CONFLICT (communication_id, message_id) DO UPDATE SET author = excluded.author, text = excluded.text, sent_at = excluded.sent_at
      WHERE (messages.author, messages.text, messages.sent_at) IS DISTINCT FROM (excluded.author, excluded.text, excluded.sent_at)
    RETURNING (xmax = 0) AS added`.execute(db);
  const added = rows.filter((r) => r.added).length;
  return { added, changed: rows.length - added };
}

export interface StoredMessage {
  id: string;
  author: 'client' | 'operator' | 'bot';
  text: string;
  sent_at: Date;
}

/** A chat's messages in the order they were sent. */
export async function listMessages(db: Executor, communicationId: string): Promise<StoredMessage[]> {
  return db
    .selectFrom('messages')
    .select(['message_id as id', 'author', 'text', 'sent_at'])
    .where('communication_id', '=', communicationId)
    .orderBy('sent_at')
    .orderBy('message_id')
    .execute();
}
