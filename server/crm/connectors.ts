// The connector kinds earshot speaks, with the config and secrets each needs (checked with zod when an
// admin saves a connector), and the factory that opens an adapter from a stored connector.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { HttpLimits } from './http-client.js';
import type { CrmConnector } from './port.js';
import { AmoCrmConnector } from './amocrm.js';
import { Bitrix24Connector } from './bitrix24.js';
import { UsedeskConnector } from './usedesk.js';
import { ZohoDeskConnector } from './zoho-desk.js';
import { WebhookConnector } from './webhook.js';

const httpUrl = z
  .string()
  .max(2048)
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an absolute http(s) URL');

export const CONNECTOR_KINDS = {
  webhook: {
    config: z.object({ url: httpUrl }).strict(),
    secrets: z.object({ signing_secret: z.string().regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'whsec_ followed by the base64 of 24 to 64 random bytes') }).strict(),
    /** Secrets made for the admin when none are given (shown once, like a token). */
    generate: () => ({ signing_secret: `whsec_${randomBytes(32).toString('base64')}` }),
  },
  bitrix24: {
    config: z
      .object({ portal_url: httpUrl, crm_create: z.boolean().default(true), crm_entity_type: z.enum(['CONTACT', 'LEAD', 'COMPANY']).optional(), line_number: z.string().max(50).optional() })
      .strict(),
    secrets: z.object({ access_token: z.string().min(10).max(500) }).strict(),
    generate: undefined,
  },
  amocrm: {
    config: z.object({ base_url: httpUrl, source: z.string().min(1).max(100).default('earshot') }).strict(),
    secrets: z.object({ access_token: z.string().min(10).max(4000) }).strict(),
    generate: undefined,
  },
  usedesk: {
    config: z
      .object({
        base_url: httpUrl.default('https://api.usedesk.ru/'),
        ticket_mode: z.enum(['reuse_open', 'always_new']).default('reuse_open'),
        open_statuses: z.array(z.number().int().min(1).max(10)).min(1).default([1, 5, 6, 8]),
        ticket_type: z.enum(['question', 'task', 'problem', 'incident']).default('question'),
        tag: z.string().max(100).optional(),
        create_client: z.boolean().default(true),
      })
      .strict(),
    secrets: z.object({ api_token: z.string().min(10).max(500) }).strict(),
    generate: undefined,
  },
  zoho_desk: {
    config: z
      .object({ base_url: httpUrl.default('https://desk.zoho.com'), org_id: z.string().min(1).max(50), department_id: z.string().min(1).max(50), key_field: z.string().regex(/^cf_\w{1,60}$/).optional() })
      .strict(),
    secrets: z.object({ access_token: z.string().min(10).max(4000) }).strict(),
    generate: undefined,
  },
} as const;

export type SupportedKind = keyof typeof CONNECTOR_KINDS;

export function openConnector(kind: SupportedKind, config: Record<string, unknown>, secrets: Record<string, unknown>, limits: HttpLimits): CrmConnector {
  switch (kind) {
    case 'webhook':
      return new WebhookConnector(CONNECTOR_KINDS.webhook.config.parse(config), CONNECTOR_KINDS.webhook.secrets.parse(secrets), limits);
    case 'bitrix24':
      return new Bitrix24Connector(CONNECTOR_KINDS.bitrix24.config.parse(config), CONNECTOR_KINDS.bitrix24.secrets.parse(secrets), limits);
    case 'amocrm':
      return new AmoCrmConnector(CONNECTOR_KINDS.amocrm.config.parse(config), CONNECTOR_KINDS.amocrm.secrets.parse(secrets), limits);
    case 'usedesk':
      return new UsedeskConnector(CONNECTOR_KINDS.usedesk.config.parse(config), CONNECTOR_KINDS.usedesk.secrets.parse(secrets), limits);
    case 'zoho_desk':
      return new ZohoDeskConnector(CONNECTOR_KINDS.zoho_desk.config.parse(config), CONNECTOR_KINDS.zoho_desk.secrets.parse(secrets), limits);
  }
}
