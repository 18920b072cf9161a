// Retention: the stored periods (a default row and per-integration rows) and the batch statements of a
// purge. Each batch statement takes at most `limit` rows with FOR UPDATE SKIP LOCKED, so a purge never
// waits on (or blocks) a call being written, and each transaction stays short.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Executor } from './executor.js';

export interface RetentionPeriods {
  recordings_days: number | null;
  transcripts_days: number | null;
  communications_days: number | null;
}

export interface StoredRetention {
  default: RetentionPeriods;
  /** Integration id → its own periods. */
  integrations: Map<string, RetentionPeriods>;
}

const KEEP_FOREVER: RetentionPeriods = { recordings_days: null, transcripts_days: null, communications_days: null };

export async function loadRetention(db: Executor): Promise<StoredRetention> {
  const rows = await db.selectFrom('retention_settings').select(['integration_id', 'recordings_days', 'transcripts_days', 'communications_days']).orderBy('integration_id').execute();
  const stored: StoredRetention = { default: KEEP_FOREVER, integrations: new Map() };
  for (const { integration_id, ...periods } of rows) {
    if (integration_id === null) stored.default = periods;
    else stored.integrations.set(integration_id, periods);
  }
  return stored;
}

/** Replaces all settings with these (integrations left out lose their own periods). */
export async function saveRetention(db: Executor, settings: StoredRetention): Promise<void> {
  await db.deleteFrom('retention_settings').execute();
  const rows = [{ integration_id: null, ...settings.default }, ...[...settings.integrations].map(([integration_id, periods]) => ({ integration_id, ...periods }))];
  await db.insertInto('retention_settings').values(rows).execute();
}

/** Which communications a rule covers: one integration's, or all but those with their own rule. */
export type RuleScope = { integrationId: string } | { exceptIntegrations: string[] };

export interface Cutoffs {
  /** Communications that started before these instants lose that part; undefined: kept forever. */
  recordings?: Date | undefined;
  transcripts?: Date | undefined;
  communications?: Date | undefined;
}

export type PurgeCategory = 'communications' | 'recordings' | 'transcripts';

function inScope(scope: RuleScope): RawBuilder<SqlBool> {
  if ('integrationId' in scope) return sql<SqlBool>`c.integration_id = ${scope.integrationId}::uuid`;
  return sql<SqlBool>`NOT (c.integration_id = ANY(${scope.exceptIntegrations}::uuid[]))`;
}

/** The rows a category of a rule takes; recordings and transcripts leave out rows the communications cutoff deletes anyway. */
function due(category: PurgeCategory, scope: RuleScope, cutoffs: Cutoffs): RawBuilder<SqlBool> | undefined {
  const cutoff = cutoffs[category];
  if (cutoff === undefined) return undefined;
  const base = sql<SqlBool>`${inScope(scope)} AND c.started_at < ${cutoff}`;
  if (category === 'communications') return base;
  const kept = cutoffs.communications === undefined ? sql`true` : sql`c.started_at >= ${cutoffs.communications}`;
  if (category === 'recordings') return sql<SqlBool>`${base} AND ${kept} AND c.media_id IS NOT NULL`;
  return sql<SqlBool>`${base} AND ${kept} AND (
    (c.transcript IS NOT NULL AND jsonb_typeof(c.transcript) <> 'null')
    OR (c.kind = 'chat' AND EXISTS (SELECT 1 FROM messages m WHERE m.communication_id = c.id AND m.text <> '')))`;
}

export async function countDue(db: Executor, category: PurgeCategory, scope: RuleScope, cutoffs: Cutoffs): Promise<number> {
  const where = due(category, scope, cutoffs);
  if (!where) return 0;
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM communications c WHERE ${where}`.execute(db);
  return rows[0]?.n ?? 0;
}

/** Locks the next batch of a category (rows another transaction holds are skipped); ids with their recording. */
export async function claimDue(db: Executor, category: PurgeCategory, scope: RuleScope, cutoffs: Cutoffs, limit: number): Promise<Array<{ id: string; media_id: string | null }>> {
  const where = due(category, scope, cutoffs);
  if (!where) return [];
  const { rows } = await sql<{ id: string; media_id: string | null }>`
    SELECT c.id, c.media_id FROM communications c WHERE ${where}
    ORDER BY c.started_at LIMIT ${limit} FOR UPDATE OF c SKIP LOCKED`.execute(db);
  return rows;
}

/** Unlinks the recordings of these communications (the blob goes once nothing links it). */
export async function unlinkRecordings(db: Executor, ids: string[], reason: string): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    UPDATE communications SET media_id = NULL, media_url = NULL, media_state = 'missing', media_error = ${reason}, updated_at = now()
    WHERE id = ANY(${ids}::uuid[])`.execute(db);
  await sql`UPDATE source_records SET media_id = NULL, updated_at = now() WHERE communication_id = ANY(${ids}::uuid[]) AND media_id IS NOT NULL`.execute(db);
}

/** Blanks the transcripts and message texts of these communications, and their copies in the raw payload. */
export async function blankTexts(db: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`UPDATE messages SET text = '' WHERE communication_id = ANY(${ids}::uuid[]) AND text <> ''`.execute(db);
  await sql`
    UPDATE communications SET transcript = NULL,
      raw = CASE WHEN jsonb_typeof(raw) = 'object' THEN raw - 'transcript' - 'messages' ELSE raw END,
      updated_at = now()
    WHERE id = ANY(${ids}::uuid[])`.execute(db);
}

/** Deletes these communications (messages and CRM deliveries go with them; source records keep their line, unlinked). */
export async function deleteCommunications(db: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`UPDATE source_records SET communication_id = NULL, media_id = NULL, updated_at = now() WHERE communication_id = ANY(${ids}::uuid[])`.execute(db);
  await sql`DELETE FROM outbox WHERE topic IN ('crm', 'media') AND key = ANY(${ids}::text[]) AND state = 'pending'`.execute(db);
  await sql`DELETE FROM communications WHERE id = ANY(${ids}::uuid[])`.execute(db);
}

function clientInScope(scope: RuleScope): RawBuilder<SqlBool> {
  if ('integrationId' in scope) return sql<SqlBool>`k.integration_id = ${scope.integrationId}::uuid`;
  return sql<SqlBool>`(k.integration_id IS NULL OR NOT (k.integration_id = ANY(${scope.exceptIntegrations}::uuid[])))`;
}

/**
 * Clients not seen (posted, changed) since the communications cutoff who keep no communication after the
 * purge: their card (names, phones, attributes) outlives nothing it belongs to.
 */
export async function countStaleClients(db: Executor, scope: RuleScope, cutoff: Date): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM clients k WHERE ${clientInScope(scope)} AND k.updated_at < ${cutoff}
      AND NOT EXISTS (SELECT 1 FROM communications c WHERE c.client_id = k.id AND c.started_at >= ${cutoff})`.execute(db);
  return rows[0]?.n ?? 0;
}

/** Locks the next batch of stale clients that no communication references any more. */
export async function claimStaleClients(db: Executor, scope: RuleScope, cutoff: Date, limit: number): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    SELECT k.id FROM clients k WHERE ${clientInScope(scope)} AND k.updated_at < ${cutoff}
      AND NOT EXISTS (SELECT 1 FROM communications c WHERE c.client_id = k.id)
    LIMIT ${limit} FOR UPDATE OF k SKIP LOCKED`.execute(db);
  return rows.map((r) => r.id);
}

/** Deletion acts past their keeping period. */
export async function deleteExpiredActs(db: Executor, now: Date): Promise<number> {
  const result = await db.deleteFrom('erasure_acts').where('keep_until', '<', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function countExpiredActs(db: Executor, now: Date): Promise<number> {
  const row = await db.selectFrom('erasure_acts').select((eb) => eb.fn.countAll<string>().as('n')).where('keep_until', '<', now).executeTakeFirstOrThrow();
  return Number(row.n);
}
