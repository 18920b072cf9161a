// The group-committed ingest write: one call per batch to earshot_write_call_batch (migration 0002), which
// matches operators, upserts clients (by integration + external id, 0019) and communications (by integration
// + uid) and writes their outbox rows.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

export interface CallBatchRow {
  idx: number;
  integration_id: string;
  uid: string;
  operator_external_id: string;
  client_external_id: string | null;
  client_first_name: string | null;
  client_last_name: string | null;
  client_company_name: string | null;
  client_phone: string | null;
  direction: 'incoming' | 'outcoming' | null;
  started_at: string;
  duration_s: number | null;
  client_phone_raw: string | null;
  client_phone_e164: string | null;
  chain_uid: string | null;
  nps: number | null;
  custom_fields: Record<string, unknown>;
  tags: string[] | null;
  media_url: string | null;
  transcript: unknown;
  warnings: unknown[];
  raw: unknown;
}

export interface CallBatchResult {
  idx: number;
  id: string;
  uid: string;
  created: boolean;
}

/**
 * Writes the rows whose operator exists and is active; returns one result per written row. Rows missing
 * from the result had no active operator. Rows are locked in (integration, external_id) and (integration, uid) order
 * so concurrent batches do not deadlock; a uid must appear once per batch.
 */
export async function writeCallBatch(db: Executor, rows: CallBatchRow[]): Promise<CallBatchResult[]> {
  if (rows.length === 0) return [];
  const { rows: written } = await sql<CallBatchResult>`SELECT idx, id, uid, created FROM earshot_write_call_batch(${JSON.stringify(rows)}::jsonb)`.execute(db);
  return written;
}
