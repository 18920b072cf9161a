// Where a CDR row names the operator when src/dst do not: a queue, ring group or follow-me call has the
// queue or group number in dst and the agent only in dstchannel (`Local/115@from-queue-…`), an outgoing
// call may carry the outbound caller id in src and the extension in cnum or channel. Each rule reads a
// column with a regular expression whose first group is the extension; rules are tried in order after
// src (for the caller) and dst (for the called party).
import { z } from 'zod';

export const PARTY_COLUMNS = ['src', 'dst', 'cnum', 'cnam', 'channel', 'dstchannel', 'dst_cnam', 'outbound_cnum', 'did', 'accountcode', 'peeraccount', 'userfield'] as const;

const pattern = z
  .string()
  .min(1)
  .max(200)
  .refine((p) => {
    try {
      return (new RegExp(`${p}|`).exec('')?.length ?? 0) > 1;
    } catch {
      return false;
    }
  }, 'must be a regular expression with a capture group for the extension');

const rule = z.object({ column: z.enum(PARTY_COLUMNS), pattern }).strict();
export type PartyRule = z.output<typeof rule>;

export const DEFAULT_PARTY_PATTERNS: { from: PartyRule[]; to: PartyRule[] } = {
  from: [
    { column: 'cnum', pattern: '^(\\d+)$' },
    { column: 'channel', pattern: '^(?:PJSIP|SIP|IAX2)/(\\d+)-' },
  ],
  to: [
    { column: 'dstchannel', pattern: '^(?:PJSIP|SIP|IAX2)/(\\d+)-' },
    { column: 'dstchannel', pattern: '^Local/(?:FMPR-)?(\\d+)@(?:from-queue|from-internal|fmgrps)' },
  ],
};

export const PartyPatterns = z
  .object({ from: z.array(rule).max(20), to: z.array(rule).max(20) })
  .strict()
  .default(DEFAULT_PARTY_PATTERNS)
  .describe('Extra places to find the operator: {column, pattern} rules tried after src (caller) and dst (called party)');

/** The extensions the rules find in a row, in rule order, without repeats. */
export function partiesOf(row: Record<string, string | null | undefined>, rules: PartyRule[]): string[] {
  const found = new Set<string>();
  for (const { column, pattern } of rules) {
    const value = row[column];
    const match = value ? new RegExp(pattern).exec(value)?.[1] : undefined;
    if (match) found.add(match);
  }
  return [...found];
}

/** The columns the rules read, for the SELECT list. */
export const partyColumns = (patterns: { from: PartyRule[]; to: PartyRule[] }) => [...patterns.from, ...patterns.to].map((r) => r.column);
