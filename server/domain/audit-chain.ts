// The audit log's hash chain: each entry's hash is SHA-256 over the previous entry's hash and the entry's
// canonical serialisation (a fixed field order, object keys sorted), so changing, removing or reordering an
// entry breaks every hash after it.
import { createHash } from 'node:crypto';

export const AUDIT_ACTIONS = [
  'communication.viewed',
  'recording.played',
  'search.performed',
  'export.downloaded',
  'client.viewed',
  'login.succeeded',
  'login.failed',
  'user.created',
  'user.updated',
  'token.created',
  'integration.token_rotated',
  'settings.changed',
  'retention.purged',
  'client.erased',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** `signed_url`: a recording played through a signed media URL, which names no principal. */
/** Besides API.md's three: a signed media URL (no principal), and earshot's own jobs (the nightly retention purge). */
export type AuditActorType = 'user' | 'admin_token' | 'integration' | 'signed_url' | 'system';

export interface AuditActor {
  type: AuditActorType;
  id: string | null;
  email?: string;
}

export interface AuditTarget {
  type: string;
  id: string;
}

/** An entry as it is chained (and stored), without its own hash. */
export interface ChainedEntry {
  seq: number;
  id: string;
  at: Date;
  actor: AuditActor;
  action: string;
  target: AuditTarget | null;
  ip: string;
  userAgent: string;
  details: Record<string, unknown>;
  prevHash: string;
}

/** The previous hash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with every object's keys sorted, so a value reads the same after a jsonb round trip. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function entryHash(entry: ChainedEntry): string {
  const fields = [
    entry.seq,
    entry.id,
    entry.at.toISOString(),
    entry.actor.type,
    entry.actor.id,
    entry.actor.email ?? null,
    entry.action,
    entry.target?.type ?? null,
    entry.target?.id ?? null,
    entry.ip,
    entry.userAgent,
    entry.details,
  ];
  return createHash('sha256').update(entry.prevHash).update('\n').update(canonicalJson(fields)).digest('hex');
}
