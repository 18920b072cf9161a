// The connector kinds earshot speaks, with the config and secrets each needs (checked with zod when an
// admin saves a connector), and the factory that opens an adapter from a stored connector.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { TemplateSchema, type CrmEvent, type CrmRules } from '../domain/crm-rules.js';
import type { HttpLimits } from './http-client.js';
import type { CrmConnector, TokenKeeper } from './port.js';
import { oauthFields, refreshable } from './oauth.js';
import { AmoCrmConnector } from './amocrm.js';
import { Bitrix24Connector } from './bitrix24.js';
import { UsedeskConnector } from './usedesk.js';
import { ZohoDeskConnector, zohoMappingIssues } from './zoho-desk.js';
import { WebhookConnector } from './webhook.js';

const httpUrl = z
  .string()
  .max(2048)
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an absolute http(s) URL');

export interface RuleIssue {
  path: Array<string | number>;
  message: string;
}

/** For kinds that send no mapped fields: a mapping would be accepted and then silently dropped. */
const noMappings = (kind: string) => (rules: CrmRules): RuleIssue[] =>
  rules.field_mapping.map((_, i) => ({ path: ['field_mapping', i], message: `${kind} connectors send no mapped fields; remove the mapping` }));

/**
 * What a later change of a communication's event does once its first delivery went out (one CRM outcome
 * per communication): `follow_up` sends a delivery that updates what the first one made, `ignore` leaves
 * the CRM as it is. A first delivery nothing was sent for yet simply takes the new event.
 */
export type LaterChange = 'follow_up' | 'ignore';
const always = (): LaterChange => 'follow_up';
const never = (): LaterChange => 'ignore';
/** A missed call answered after all closes the call-back task the missed call opened; nothing else changes. */
const missedThenAnswered = (first: CrmEvent, later: CrmEvent): LaterChange => (first === 'call.missed' && later === 'call.finished' ? 'follow_up' : 'ignore');

export const CONNECTOR_KINDS = {
  webhook: {
    config: z.object({ url: httpUrl }).strict(),
    secrets: z.object({ signing_secret: z.string().regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'whsec_ followed by the base64 of 24 to 64 random bytes') }).strict(),
    /** Secrets made for the admin when none are given (shown once, like a token). */
    generate: () => ({ signing_secret: `whsec_${randomBytes(32).toString('base64')}` }),
    /** What the kind refuses in the rules (422 with paths), beyond the rules schema. */
    ruleIssues: () => [] as RuleIssue[],
    /** Receivers get every change, as the new event with `supersedes` (the first delivery's key). */
    laterChange: always,
  },
  bitrix24: {
    config: z
      .object({
        portal_url: httpUrl,
        crm_create: z.boolean().default(true),
        crm_entity_type: z.enum(['CONTACT', 'LEAD', 'COMPANY']).optional(),
        line_number: z.string().max(50).optional(),
        /** The OAuth server: oauth.bitrix.info for cloud portals, <portal>/oauth/token/ for on-premise ones. */
        oauth_url: httpUrl.default('https://oauth.bitrix.info/oauth/token/'),
      })
      .strict(),
    secrets: z.object(oauthFields(500)).strict().superRefine(refreshable(['client_id', 'client_secret'])),
    generate: undefined,
    /** What the kind refuses in the rules (422 with paths), beyond the rules schema. */
    ruleIssues: noMappings('Bitrix24'),
    laterChange: missedThenAnswered,
  },
  amocrm: {
    config: z.object({ base_url: httpUrl, source: z.string().min(1).max(100).default('earshot') }).strict(),
    secrets: z
      .object({ ...oauthFields(4000), redirect_uri: httpUrl.optional() })
      .strict()
      .superRefine(refreshable(['client_id', 'client_secret', 'redirect_uri'])),
    generate: undefined,
    /** What the kind refuses in the rules (422 with paths), beyond the rules schema. */
    ruleIssues: noMappings('amoCRM'),
    laterChange: missedThenAnswered,
  },
  usedesk: {
    config: z
      .object({
        base_url: httpUrl.default('https://api.usedesk.ru/'),
        ticket_mode: z.enum(['reuse_open', 'always_new']).default('reuse_open'),
        open_statuses: z.array(z.number().int().min(1).max(10)).min(1).default([1, 5, 6, 8]),
        ticket_type: z.enum(['question', 'task', 'problem', 'incident']).default('question'),
        /** A template ({{client_phone}}…): the tag of new tickets. */
        tag: TemplateSchema.pipe(z.string().max(500)).optional(),
        create_client: z.boolean().default(true),
        /** false: calls only join an open ticket of the client (as comments); no ticket is created. */
        create_ticket: z.boolean().default(true),
      })
      .strict()
      .refine((c) => c.create_ticket || c.ticket_mode === 'reuse_open', { path: ['create_ticket'], message: 'without creating tickets, ticket_mode must be reuse_open (calls join open tickets)' }),
    secrets: z.object({ api_token: z.string().min(10).max(500) }).strict(),
    generate: undefined,
    /** What the kind refuses in the rules (422 with paths), beyond the rules schema. */
    ruleIssues: noMappings('Usedesk'),
    /** The ticket (or comment) stands: Usedesk keeps no task to close, and a second ticket would double the call. */
    laterChange: never,
  },
  zoho_desk: {
    config: z
      .object({
        base_url: httpUrl.default('https://desk.zoho.com'),
        /** Zoho Accounts of the data centre (accounts.zoho.eu, .in…): where tokens are refreshed. */
        accounts_url: httpUrl.default('https://accounts.zoho.com'),
        org_id: z.string().min(1).max(50),
        department_id: z.string().min(1).max(50),
        key_field: z.string().regex(/^cf_\w{1,60}$/).optional(),
      })
      .strict(),
    secrets: z.object(oauthFields(4000)).strict().superRefine(refreshable(['client_id', 'client_secret'])),
    generate: undefined,
    /** What the kind refuses in the rules (422 with paths), beyond the rules schema. */
    ruleIssues: zohoMappingIssues,
    laterChange: missedThenAnswered,
  },
} as const;

export type SupportedKind = keyof typeof CONNECTOR_KINDS;

export function openConnector(kind: SupportedKind, config: Record<string, unknown>, secrets: Record<string, unknown>, limits: HttpLimits, keeper: TokenKeeper): CrmConnector {
  switch (kind) {
    case 'webhook':
      return new WebhookConnector(CONNECTOR_KINDS.webhook.config.parse(config), CONNECTOR_KINDS.webhook.secrets.parse(secrets), limits);
    case 'bitrix24':
      return new Bitrix24Connector(CONNECTOR_KINDS.bitrix24.config.parse(config), CONNECTOR_KINDS.bitrix24.secrets.parse(secrets), limits, keeper);
    case 'amocrm':
      return new AmoCrmConnector(CONNECTOR_KINDS.amocrm.config.parse(config), CONNECTOR_KINDS.amocrm.secrets.parse(secrets), limits, keeper);
    case 'usedesk':
      return new UsedeskConnector(CONNECTOR_KINDS.usedesk.config.parse(config), CONNECTOR_KINDS.usedesk.secrets.parse(secrets), limits);
    case 'zoho_desk':
      return new ZohoDeskConnector(CONNECTOR_KINDS.zoho_desk.config.parse(config), CONNECTOR_KINDS.zoho_desk.secrets.parse(secrets), limits, keeper);
  }
}
