// Push rules of a CRM connector, checked with zod when the connector is saved (422 with paths): which
// events, which integrations, field mapping (one CRM field receives one value), templates with known
// variables only, phone format, PBX extension/operator → CRM user, the duty user, missed-call tasks.
import { z } from 'zod';
import { PHONE_FORMATS } from './phone-number.js';
import { unknownVariables } from './templates.js';

export const CRM_EVENTS = ['call.finished', 'call.missed', 'chat.closed'] as const;
export type CrmEvent = (typeof CRM_EVENTS)[number];

const template = z
  .string()
  .max(5000)
  .superRefine((value, ctx) => {
    for (const name of unknownVariables(value)) ctx.addIssue({ code: 'custom', message: `unknown variable {{${name}}}` });
  });

export const CrmRulesSchema = z
  .object({
    events: z.array(z.enum(CRM_EVENTS)).min(1).default(['call.finished', 'call.missed']),
    integrations: z.array(z.uuid()).max(1000).optional().describe('Only communications of these integrations; all when absent'),
    field_mapping: z
      .array(z.object({ crm_field: z.string().min(1).max(200), value: template }).strict())
      .max(200)
      .default([])
      .superRefine((mapping, ctx) => {
        const seen = new Map<string, number>();
        mapping.forEach((entry, i) => {
          const first = seen.get(entry.crm_field);
          if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'crm_field'], message: `${entry.crm_field} already receives field_mapping[${first}]; a CRM field takes one value` });
          else seen.set(entry.crm_field, i);
        });
      }),
    templates: z.object({ subject: template.optional(), client_name: template.optional(), comment: template.optional() }).strict().default({}),
    phone_format: z.enum(PHONE_FORMATS).default('e164'),
    user_map: z.record(z.string().min(1).max(100), z.string().min(1).max(100)).default({}).describe('PBX extension or operator external_id → CRM user id'),
    duty_user: z.string().min(1).max(100).optional().describe('Gets missed-call tasks and calls of unmapped operators'),
    missed_call_task: z.object({ enabled: z.boolean().default(true), deadline_hours: z.number().positive().max(24 * 30).default(4) }).strict().default({ enabled: true, deadline_hours: 4 }),
  })
  .strict();

export type CrmRules = z.output<typeof CrmRulesSchema>;

/** The event a communication raises for CRMs: missed when a call went unanswered; a chat only once closed. */
export function crmEventOf(kind: 'call' | 'chat', duration: number | null, direction: string | null, closedAt: Date | null): CrmEvent | undefined {
  if (kind === 'chat') return closedAt ? 'chat.closed' : undefined;
  return direction !== 'outcoming' && (duration ?? 0) === 0 ? 'call.missed' : 'call.finished';
}

/** The CRM user a call goes to: the operator's (by external id), else the duty user. */
export function crmUserOf(rules: CrmRules, operatorExternalId: string | null): string | undefined {
  return (operatorExternalId ? rules.user_map[operatorExternalId] : undefined) ?? rules.duty_user;
}
