// Push rules of a CRM connector, checked with zod when the connector is saved (422 with paths): which
// events, which integrations, field mapping per entity (one CRM field receives one value), templates with
// known variables only, phone format, PBX extension/operator → CRM user, the duty user, missed-call tasks.
import { z } from 'zod';
import { PHONE_FORMATS } from './phone-number.js';
import { customFieldKeys, hasStrayBraces, render, unknownVariables, type TemplateValues } from './templates.js';

export const CRM_EVENTS = ['call.finished', 'call.missed', 'chat.closed'] as const;
export type CrmEvent = (typeof CRM_EVENTS)[number];

/** Where a mapped value goes: the ticket/call record (webhooks: `fields`) or the client's contact (`contact_fields`). */
export const MAPPING_ENTITIES = ['ticket', 'contact'] as const;

/** A template: known variables only (checked again when the rules are saved, see crmRulesInput). */
export const TemplateSchema = z
  .string()
  .max(5000)
  .superRefine((value, ctx) => {
    for (const name of unknownVariables(value)) ctx.addIssue({ code: 'custom', message: `unknown variable {{${name}}}` });
  });

/** A CRM field's identity: "Phone", "phone" and " phone " name the same field. */
export const crmFieldIdentity = (name: string) => name.replace(/\s+/g, '').toLowerCase();

/** The shape stored rules are read with (the delivery runner reads it too, so it stays as lenient as it was). */
export const CrmRulesSchema = z
  .object({
    events: z.array(z.enum(CRM_EVENTS)).min(1).default(['call.finished', 'call.missed']),
    integrations: z.array(z.uuid()).max(1000).optional().describe('Only communications of these integrations; all when absent'),
    field_mapping: z
      .array(z.object({ crm_field: z.string().min(1).max(200), value: TemplateSchema, entity: z.enum(MAPPING_ENTITIES).default('ticket') }).strict())
      .max(200)
      .default([])
      .superRefine((mapping, ctx) => {
        const seen = new Map<string, number>();
        mapping.forEach((entry, i) => {
          const first = seen.get(`${entry.entity}:${entry.crm_field}`);
          if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'crm_field'], message: `${entry.crm_field} already receives field_mapping[${first}]; a CRM field takes one value` });
          else seen.set(`${entry.entity}:${entry.crm_field}`, i);
        });
      }),
    templates: z.object({ subject: TemplateSchema.optional(), client_name: TemplateSchema.optional(), comment: TemplateSchema.optional() }).strict().default({}),
    phone_format: z.enum(PHONE_FORMATS).default('e164'),
    user_map: z.record(z.string().min(1).max(100), z.string().min(1).max(100)).default({}).describe('PBX extension or operator external_id → CRM user id'),
    duty_user: z.string().min(1).max(100).optional().describe('Gets missed-call tasks and calls of unmapped operators'),
    missed_call_task: z.object({ enabled: z.boolean().default(true), deadline_hours: z.number().positive().max(24 * 30).default(4) }).strict().default({ enabled: true, deadline_hours: 4 }),
  })
  .strict();

export type CrmRules = z.output<typeof CrmRulesSchema>;

/** Every template of the rules with its path, for checks that look at all of them. */
function templatesOf(rules: CrmRules): Array<[Array<string | number>, string]> {
  const found: Array<[Array<string | number>, string]> = rules.field_mapping.map((m, i) => [['field_mapping', i, 'value'], m.value]);
  for (const [name, value] of Object.entries(rules.templates)) if (value !== undefined) found.push([['templates', name], value]);
  return found;
}

/**
 * The rules as an admin may save them: CrmRulesSchema, plus what is only refused at save time (stored rules
 * keep being read as they are): a stray `{{`, a custom field that is not defined, two mappings of one CRM
 * field written with other case or spaces, and a user_map key that a plain object cannot hold.
 */
export function crmRulesInput(customFields: ReadonlySet<string>) {
  return z.preprocess(
    (raw, ctx) => {
      const userMap = raw !== null && typeof raw === 'object' ? (raw as { user_map?: unknown }).user_map : undefined;
      if (userMap !== null && typeof userMap === 'object' && Object.hasOwn(userMap, '__proto__')) ctx.addIssue({ code: 'custom', path: ['user_map', '__proto__'], message: '"__proto__" cannot be a user_map key' });
      return raw;
    },
    CrmRulesSchema.superRefine((rules, ctx) => {
      for (const [path, value] of templatesOf(rules)) {
        if (hasStrayBraces(value)) ctx.addIssue({ code: 'custom', path, message: 'a "{{" is not closed by "}}" around one variable name' });
        for (const key of customFieldKeys(value)) if (!customFields.has(key)) ctx.addIssue({ code: 'custom', path, message: `unknown custom field {{custom_fields.${key}}}` });
      }
      const seen = new Map<string, number>();
      rules.field_mapping.forEach((entry, i) => {
        const identity = `${entry.entity}:${crmFieldIdentity(entry.crm_field)}`;
        const first = seen.get(identity);
        if (first === undefined) seen.set(identity, i);
        else if (rules.field_mapping[first]!.crm_field !== entry.crm_field) ctx.addIssue({ code: 'custom', path: ['field_mapping', i, 'crm_field'], message: `${entry.crm_field} names the same CRM field as field_mapping[${first}] (case and spaces do not count)` });
      });
    }),
  );
}

/** The event a communication raises for CRMs: missed when a call went unanswered; a chat only once closed. */
export function crmEventOf(kind: 'call' | 'chat', duration: number | null, direction: string | null, closedAt: Date | null): CrmEvent | undefined {
  if (kind === 'chat') return closedAt ? 'chat.closed' : undefined;
  return direction !== 'outcoming' && (duration ?? 0) === 0 ? 'call.missed' : 'call.finished';
}

/** The CRM user mapped to an operator (own keys only: an operator called "constructor" maps to nothing). */
function mappedUser(rules: CrmRules, operatorExternalId: string | null): string | undefined {
  return operatorExternalId !== null && Object.hasOwn(rules.user_map, operatorExternalId) ? rules.user_map[operatorExternalId] : undefined;
}

/** The CRM user a call goes to: the operator's (by external id), else the duty user. */
export function crmUserOf(rules: CrmRules, operatorExternalId: string | null): string | undefined {
  return mappedUser(rules, operatorExternalId) ?? rules.duty_user;
}

/** Who owns the CRM record of the event: a missed call goes to the duty user when there is one, the rest to the operator's user. */
export function responsibleFor(rules: CrmRules, event: CrmEvent, operatorExternalId: string | null): string | undefined {
  return event === 'call.missed' ? (rules.duty_user ?? mappedUser(rules, operatorExternalId)) : crmUserOf(rules, operatorExternalId);
}

export interface MissedCallTask {
  assignee: string | undefined;
  /** The processing deadline: the call's start plus rules.missed_call_task.deadline_hours. */
  deadline: Date;
}

/** The task a missed call raises in the CRM, when the rules ask for one. */
export function missedCallTask(rules: CrmRules, event: CrmEvent, startedAt: string, operatorExternalId: string | null): MissedCallTask | undefined {
  if (event !== 'call.missed' || !rules.missed_call_task.enabled) return undefined;
  return { assignee: responsibleFor(rules, event, operatorExternalId), deadline: new Date(Date.parse(startedAt) + rules.missed_call_task.deadline_hours * 3600_000) };
}

/** The rules' field mapping for one entity, rendered: CRM field → value. */
export function mappedFields(rules: CrmRules, entity: (typeof MAPPING_ENTITIES)[number], values: TemplateValues): Record<string, string> {
  return Object.fromEntries(rules.field_mapping.filter((m) => m.entity === entity).map((m) => [m.crm_field, render(m.value, values)]));
}
