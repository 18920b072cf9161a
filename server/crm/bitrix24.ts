// Bitrix24 telephony (REST, OAuth `auth` of an application): telephony.externalcall.register → finish
// (duration, status code) → attachRecord (the recording's signed URL). EXTERNAL_CALL_ID is the delivery key:
// Bitrix24 answers a repeated register with the same CALL_ID, so a retried delivery finds its own call.
import { crmUserOf } from '../domain/crm-rules.js';
import { formatPhone } from '../domain/phone-number.js';
import { excerpt, failure, request, retryAfterMs, type HttpAnswer, type HttpLimits } from './http-client.js';
import type { CrmConnector, Delivery, DeliveryOutcome, Exchange } from './port.js';

export interface Bitrix24Config {
  /** The portal, e.g. https://example.bitrix24.ru */
  portal_url: string;
  /** Create a lead/contact for an unknown number (CRM_CREATE). */
  crm_create: boolean;
  crm_entity_type?: 'CONTACT' | 'LEAD' | 'COMPANY' | undefined;
  line_number?: string | undefined;
}

export interface Bitrix24Secrets {
  access_token: string;
}

const AUTH_ERRORS = new Set(['expired_token', 'invalid_token', 'NO_AUTH_FOUND', 'WRONG_AUTH_TYPE', 'ACCESS_DENIED', 'INVALID_CREDENTIALS']);

class Refusal extends Error {
  constructor(readonly outcome: DeliveryOutcome) {
    super(outcome.kind);
  }
}

export class Bitrix24Connector implements CrmConnector {
  constructor(
    private readonly config: Bitrix24Config,
    private readonly secrets: Bitrix24Secrets,
    private readonly limits: HttpLimits,
  ) {}

  async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
    const exchanges: Exchange[] = [];
    const { communication: c, rules, event } = delivery;
    const phone = c.client_phone_e164 ?? c.client_phone_number;
    if (!phone) return { kind: 'permanent', reason: 'the call has no client phone number; Bitrix24 needs PHONE_NUMBER', exchanges };
    const user = crmUserOf(rules, c.operator?.external_id ?? null);
    if (!user) return { kind: 'permanent', reason: 'no Bitrix24 user: map the operator in rules.user_map or set rules.duty_user', exchanges };
    const missed = event === 'call.missed';
    try {
      const registered = await this.call('telephony.externalcall.register', exchanges, {
        USER_ID: user,
        PHONE_NUMBER: formatPhone(phone, rules.phone_format),
        TYPE: c.direction === 'outcoming' ? 1 : 2,
        CALL_START_DATE: c.started_at,
        CRM_CREATE: this.config.crm_create ? 1 : 0,
        ...(this.config.crm_entity_type ? { CRM_ENTITY_TYPE: this.config.crm_entity_type } : {}),
        ...(this.config.line_number ? { LINE_NUMBER: this.config.line_number } : {}),
        SHOW: 0,
        ADD_TO_CHAT: 0,
        EXTERNAL_CALL_ID: delivery.key,
      });
      const callId = (registered as { CALL_ID?: string }).CALL_ID;
      if (!callId) return { kind: 'permanent', reason: 'register answered without CALL_ID', exchanges };
      await this.call('telephony.externalcall.finish', exchanges, { CALL_ID: callId, USER_ID: user, DURATION: Math.round(c.duration ?? 0), STATUS_CODE: missed ? '304' : '200', ADD_TO_CHAT: 0 });
      if (c.recording_url) {
        const extension = /\.mp3(\?|$)/i.test(c.recording_url) ? 'mp3' : 'wav';
        await this.call('telephony.externalcall.attachRecord', exchanges, { CALL_ID: callId, FILENAME: `${c.uid.replace(/[^\w.-]/g, '_')}.${extension}`, RECORD_URL: c.recording_url });
      }
      return { kind: 'ok', exchanges };
    } catch (error) {
      return error instanceof Refusal ? error.outcome : failure(error, exchanges);
    }
  }

  /** One REST method; its `result`, or a Refusal carrying how the delivery should go on. */
  private async call(method: string, exchanges: Exchange[], params: Record<string, unknown>): Promise<unknown> {
    const url = new URL(`/rest/${method}.json`, this.config.portal_url);
    const answer = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...params, auth: this.secrets.access_token }) }, this.limits);
    exchanges.push({ request: { method: 'POST', url: url.toString(), summary: method }, status: answer.status, excerpt: excerpt(answer.body, [this.secrets.access_token]) });
    const body = parse(answer);
    if (answer.status >= 200 && answer.status < 300 && body.error === undefined) return body.result;
    const reason = `${method}: HTTP ${answer.status}${body.error ? ` ${body.error}${body.error_description ? ` (${body.error_description})` : ''}` : ''}`;
    if (answer.status === 401 || AUTH_ERRORS.has(body.error ?? '')) throw new Refusal({ kind: 'auth_broken', reason, exchanges });
    if (answer.status === 429 || answer.status >= 500 || body.error === 'QUERY_LIMIT_EXCEEDED') {
      const after = retryAfterMs(answer.headers);
      throw new Refusal({ kind: 'retryable', reason, ...(after !== undefined ? { retryAfterMs: after } : body.error === 'QUERY_LIMIT_EXCEEDED' ? { retryAfterMs: 1000 } : {}), exchanges });
    }
    throw new Refusal({ kind: 'permanent', reason, exchanges });
  }
}

function parse(answer: HttpAnswer): { result?: unknown; error?: string; error_description?: string } {
  try {
    return JSON.parse(answer.body) as { result?: unknown; error?: string; error_description?: string };
  } catch {
    return {};
  }
}
