// The legs of one PBX call (queue attempts, transfers: CDR rows sharing a linkedid) as the pull weighs them:
// a leg read now, or one taken on an earlier page or run (its summary kept on its source record).
import type { StoredLeg } from '../db/repositories/sources.js';
import type { RecordingRef, SourceRecord } from '../sources/port.js';

/** How strongly a leg speaks for its call: answered first, then the longest. */
export const rank = (leg: Leg) => (leg.answered ? 1e9 : 0) + (leg.durationS ?? 0);

/** What a leg said, kept on its record so a later leg of the call is weighed with it. */
type LegSummary = {
  from: string | null;
  to: string | null;
  aliases: { from: string[]; to: string[] };
  duration_s: number | null;
  answered: boolean;
  raw: Record<string, unknown>;
};

export interface Leg {
  key: string;
  startedAt: Date;
  from: string | null;
  to: string | null;
  aliases: { from: string[]; to: string[] };
  durationS: number | null;
  answered: boolean;
  recording: RecordingRef | null;
  raw: Record<string, unknown>;
  summary: LegSummary;
  mediaId: string | null;
  /** The record as taken before (null: read now). */
  stored: StoredLeg | null;
}

export interface Side {
  operator: string;
  direction: 'incoming' | 'outcoming';
  client: string | null;
}

export function freshLeg(r: SourceRecord): Leg {
  const aliases = r.aliases ?? { from: [], to: [] };
  const summary = { from: r.from, to: r.to, aliases, duration_s: r.durationS, answered: r.answered, raw: r.raw };
  return { key: r.key, startedAt: r.startedAt, from: r.from, to: r.to, aliases, durationS: r.durationS, answered: r.answered, recording: r.recording, raw: r.raw, summary, mediaId: null, stored: null };
}

export function storedLeg(row: StoredLeg): Leg {
  const summary = row.leg as unknown as LegSummary;
  return {
    key: row.record_key,
    startedAt: row.started_at,
    from: summary.from,
    to: summary.to,
    aliases: summary.aliases,
    durationS: summary.duration_s,
    answered: summary.answered,
    recording: row.recording as RecordingRef | null,
    raw: summary.raw,
    summary,
    mediaId: row.media_id,
    stored: row,
  };
}
