// Stable recording links given to CRMs (one current link per call recording; revoked ones stay, with
// their audit trail) and the audit of every open.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

export interface RecordingLinkRow {
  id: string;
  communication_id: string;
  media_id: string;
  created_at: Date;
  revoked_at: Date | null;
}

const LINK_COLUMNS = ['id', 'communication_id', 'media_id', 'created_at', 'revoked_at'] as const;

/** The current (unrevoked) link of each call recording, made where there is none; by communication id. */
export async function ensureRecordingLinks(db: Executor, recordings: Array<{ communication_id: string; media_id: string }>): Promise<Map<string, string>> {
  if (recordings.length === 0) return new Map();
  await db
    .insertInto('recording_links')
    .values(recordings)
    .onConflict((oc) => oc.columns(['communication_id', 'media_id']).where('revoked_at', 'is', null).doNothing())
    .execute();
  const rows = await db
    .selectFrom('recording_links')
    .select(['id', 'communication_id'])
    .where('revoked_at', 'is', null)
    .where((eb) => eb(eb.refTuple('communication_id', 'media_id'), 'in', recordings.map((r) => eb.tuple(r.communication_id, r.media_id))))
    .execute();
  return new Map(rows.map((row) => [row.communication_id, row.id]));
}

export async function findRecordingLink(db: Executor, id: string): Promise<RecordingLinkRow | undefined> {
  return db.selectFrom('recording_links').select(LINK_COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** Revokes a link (once: a second revoke keeps the first time); undefined when there is no such link. */
export async function revokeRecordingLink(db: Executor, id: string): Promise<RecordingLinkRow | undefined> {
  return db.updateTable('recording_links').set({ revoked_at: sql`coalesce(revoked_at, now())` }).where('id', '=', id).returning(LINK_COLUMNS).executeTakeFirst();
}

export interface LinkOpen {
  link_id: string;
  client_address: string | null;
  user_agent: string | null;
  range: string | null;
  outcome: 'served' | 'revoked' | 'invalid_signature';
}

export async function insertLinkOpen(db: Executor, open: LinkOpen): Promise<void> {
  await db.insertInto('recording_link_opens').values({ ...open, user_agent: open.user_agent?.slice(0, 500) ?? null, range: open.range?.slice(0, 200) ?? null }).execute();
}

export async function listRecordingLinks(db: Executor, communicationId: string) {
  return db
    .selectFrom('recording_links as l')
    .leftJoin('recording_link_opens as o', 'o.link_id', 'l.id')
    .select(['l.id', 'l.communication_id', 'l.media_id', 'l.created_at', 'l.revoked_at'])
    .select((eb) => [eb.fn.count<string>('o.id').as('opens'), eb.fn.max('o.opened_at').as('last_opened_at')])
    .where('l.communication_id', '=', communicationId)
    .groupBy('l.id')
    .orderBy('l.created_at')
    .execute();
}

/** The latest opens of a link, newest first. */
export async function listLinkOpens(db: Executor, linkId: string, limit: number) {
  return db
    .selectFrom('recording_link_opens')
    .select(['opened_at', 'client_address', 'user_agent', 'range', 'outcome'])
    .where('link_id', '=', linkId)
    .orderBy('opened_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
