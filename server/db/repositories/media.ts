// Media: stored recordings (one row per distinct sha256) and each call's link to its recording.
import { sql } from 'kysely';
import type { Executor } from './executor.js';

export interface MediaValues {
  sha256: string;
  size_bytes: number;
  mime: string;
  format: string | null;
  duration_s: number | null;
  state: 'ready' | 'corrupt';
  probe_error: string | null;
}

export interface MediaRow extends MediaValues {
  id: string;
}

export type CallMediaState = 'ready' | 'corrupt' | 'failed' | 'missing';

/** Inserts the recording or returns the row already holding the same bytes. */
export async function upsertMedia(db: Executor, values: MediaValues): Promise<MediaRow> {
  return db
    .insertInto('media')
    .values(values)
    .onConflict((oc) => oc.column('sha256').doUpdateSet({ sha256: sql`excluded.sha256` }))
    .returning(['id', 'sha256', 'size_bytes', 'mime', 'format', 'duration_s', 'state', 'probe_error'])
    .executeTakeFirstOrThrow();
}

export async function findMedia(db: Executor, id: string): Promise<MediaRow | undefined> {
  return db
    .selectFrom('media')
    .select(['id', 'sha256', 'size_bytes', 'mime', 'format', 'duration_s', 'state', 'probe_error'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function findCallId(db: Executor, integrationId: string, uid: string): Promise<string | undefined> {
  const row = await db.selectFrom('communications').select('id').where('integration_id', '=', integrationId).where('uid', '=', uid).executeTakeFirst();
  return row?.id;
}

/**
 * Links a call to its recording; a probed duration fills a missing call duration. With `expectedUrl`
 * the link is made only while the call still points at that media_url (a newer URL wins).
 */
export async function attachMedia(db: Executor, communicationId: string, media: MediaRow, expectedUrl?: string): Promise<boolean> {
  let query = db
    .updateTable('communications')
    .set({
      media_id: media.id,
      media_state: media.state,
      media_error: media.probe_error,
      duration_s: sql`coalesce(duration_s, ${media.duration_s}::float8)`,
      updated_at: new Date(),
    })
    .where('id', '=', communicationId);
  if (expectedUrl !== undefined) query = query.where('media_url', '=', expectedUrl);
  const result = await query.executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function markMediaFailed(db: Executor, communicationId: string, state: 'failed' | 'missing', error: string): Promise<void> {
  await db
    .updateTable('communications')
    .set({ media_state: state, media_error: error.slice(0, 2000), updated_at: new Date() })
    .where('id', '=', communicationId)
    .where('media_id', 'is', null)
    .execute();
}

export interface CallMedia {
  media_url: string | null;
  media_state: CallMediaState | null;
  media_error: string | null;
  media: MediaRow | null;
}

/** The media of several communications at once (a page of search results), by communication id. */
export async function findCallMedias(db: Executor, communicationIds: string[]): Promise<Map<string, CallMedia>> {
  if (communicationIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('communications as c')
    .leftJoin('media as m', 'm.id', 'c.media_id')
    .select(['c.id as communication_id', 'c.media_url', 'c.media_state', 'c.media_error', 'm.id', 'm.sha256', 'm.size_bytes', 'm.mime', 'm.format', 'm.duration_s', 'm.state', 'm.probe_error'])
    .where('c.id', 'in', communicationIds)
    .execute();
  return new Map(
    rows.map((row) => {
      const media =
        row.id && row.sha256 && row.state && row.mime && row.size_bytes !== null
          ? { id: row.id, sha256: row.sha256, size_bytes: row.size_bytes, mime: row.mime, format: row.format, duration_s: row.duration_s, state: row.state, probe_error: row.probe_error }
          : null;
      return [row.communication_id, { media_url: row.media_url, media_state: row.media_state, media_error: row.media_error, media }];
    }),
  );
}

/** How many recordings are stored and their bytes in all. */
export async function mediaTotals(db: Executor): Promise<{ files: number; bytes: number }> {
  const row = await db
    .selectFrom('media')
    .select((eb) => [eb.fn.countAll<string>().as('files'), eb.fn.coalesce(eb.fn.sum<string>('size_bytes'), eb.lit(0)).as('bytes')])
    .executeTakeFirstOrThrow();
  return { files: Number(row.files), bytes: Number(row.bytes) };
}

/**
 * Deletes those of these recordings that no call and no source record links any more, returning their
 * hashes. The rows stay locked until the caller's transaction ends, so a call storing the same bytes
 * meanwhile waits and then stores them anew.
 */
export async function deleteUnlinkedMedia(db: Executor, mediaIds: string[]): Promise<string[]> {
  if (mediaIds.length === 0) return [];
  const { rows } = await sql<{ sha256: string }>`
    DELETE FROM media m WHERE m.id = ANY(${[...new Set(mediaIds)]}::uuid[])
      AND NOT EXISTS (SELECT 1 FROM communications c WHERE c.media_id = m.id)
      AND NOT EXISTS (SELECT 1 FROM source_records s WHERE s.media_id = m.id)
    RETURNING m.sha256`.execute(db);
  return rows.map((r) => r.sha256);
}
