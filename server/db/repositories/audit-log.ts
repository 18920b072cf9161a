// The audit log: appending a batch under the chain's lock, reading pages newest first, and walking the chain
// in order for verification. There are no update or delete methods: the table refuses them.
import { sql, type Selectable } from 'kysely';
import { entryHash, GENESIS_HASH, type AuditActor, type AuditTarget } from '../../domain/audit-chain.js';
import type { AuditLogTable } from '../schema.js';
import type { Executor } from './executor.js';

export type AuditRow = Selectable<AuditLogTable>;

export interface NewAuditEntry {
  id: string;
  at: Date;
  actor: AuditActor;
  action: string;
  target: AuditTarget | null;
  ip: string;
  userAgent: string;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
  /** Entries with a smaller sequence number than this (the page after a cursor). */
  beforeSeq?: number;
}

const COLUMNS = ['seq', 'id', 'at', 'actor_type', 'actor_id', 'actor_email', 'action', 'target_type', 'target_id', 'ip', 'user_agent', 'details', 'prev_hash', 'hash'] as const;

/**
 * Appends entries after the chain's head in one transaction. The transaction-scoped advisory lock makes
 * appenders of every instance take turns, so sequence numbers stay gapless and each previous hash is the head.
 */
export async function appendAuditEntries(db: Executor, entries: NewAuditEntry[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('earshot.audit_log'))`.execute(trx);
    const head = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    let seq = Number(head?.seq ?? 0);
    let prevHash = head?.hash ?? GENESIS_HASH;
    const rows = entries.map((entry) => {
      seq += 1;
      const hash = entryHash({ ...entry, seq, prevHash });
      const row = {
        seq,
        id: entry.id,
        at: entry.at,
        actor_type: entry.actor.type,
        actor_id: entry.actor.id,
        actor_email: entry.actor.email ?? null,
        action: entry.action,
        target_type: entry.target?.type ?? null,
        target_id: entry.target?.id ?? null,
        ip: entry.ip,
        user_agent: entry.userAgent,
        details: JSON.stringify(entry.details),
        prev_hash: prevHash,
        hash,
      };
      prevHash = hash;
      return row;
    });
    await trx.insertInto('audit_log').values(rows).execute();
  });
}

/** One page of entries matching the filter, newest first. */
export async function listAuditEntries(db: Executor, filter: AuditFilter, limit: number): Promise<AuditRow[]> {
  let query = db.selectFrom('audit_log').select(COLUMNS);
  if (filter.actor !== undefined) {
    const actor = filter.actor;
    query = query.where((eb) => eb.or([eb('actor_id', '=', actor), eb(sql<string>`lower(actor_email)`, '=', actor.toLowerCase()), eb('actor_type', '=', actor)]));
  }
  if (filter.action !== undefined) query = query.where('action', '=', filter.action);
  if (filter.targetType !== undefined) query = query.where('target_type', '=', filter.targetType);
  if (filter.targetId !== undefined) query = query.where('target_id', '=', filter.targetId);
  if (filter.from !== undefined) query = query.where('at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('at', '<', filter.to);
  if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
  return withNumericSeq(await query.orderBy('seq', 'desc').limit(limit).execute());
}

/** Entries after `afterSeq` in chain order, for verification. */
export async function auditEntriesAfter(db: Executor, afterSeq: number, limit: number): Promise<AuditRow[]> {
  return withNumericSeq(await db.selectFrom('audit_log').select(COLUMNS).where('seq', '>', afterSeq).orderBy('seq', 'asc').limit(limit).execute());
}

/** bigint comes back as a string where the pg INT8 parser is not set (a pool other than db/database.ts's). */
const withNumericSeq = (rows: AuditRow[]): AuditRow[] => rows.map((row) => ({ ...row, seq: Number(row.seq) }));

export async function countAuditEntries(db: Executor): Promise<number> {
  const row = await db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
