// amoCRM API v4 calls: amoCRM attaches a call only to an entity that has the phone, so the contact is
// found by phone (GET /api/v4/contacts?query=) or created first, then POST /api/v4/calls with direction,
// uniq (the delivery key), duration, source, link, phone, call_status/result and the responsible user.
import { crmUserOf } from '../domain/crm-rules.js';
import { formatPhone } from '../domain/phone-number.js';
import { render } from '../domain/templates.js';
import { classify, excerpt, failure, request, type HttpAnswer, type HttpLimits } from './http-client.js';
import type { CrmConnector, Delivery, DeliveryOutcome, Exchange } from './port.js';
import { templateValues } from './template-values.js';

export interface AmoCrmConfig {
  /** https://<subdomain>.amocrm.ru */
  base_url: string;
  source: string;
}

export interface AmoCrmSecrets {
  access_token: string;
}

/** call_status: 4 conversation held, 6 not reached (amoCRM's codes). */
const HELD = 4;
const NOT_REACHED = 6;

export class AmoCrmConnector implements CrmConnector {
  constructor(
    private readonly config: AmoCrmConfig,
    private readonly secrets: AmoCrmSecrets,
    private readonly limits: HttpLimits,
  ) {}

  async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
    const exchanges: Exchange[] = [];
    const { communication: c, rules, event } = delivery;
    const phone = c.client_phone_e164 ?? c.client_phone_number;
    if (!phone) return { kind: 'permanent', reason: 'the call has no client phone number; amoCRM files calls by phone', exchanges };
    const responsible = crmUserOf(rules, c.operator?.external_id ?? null);
    const formatted = formatPhone(phone, rules.phone_format);
    try {
      // Phones are searched by their digits, so +7 912…, 8 (912)… and 7912… written in the CRM all match.
      const found = await this.send('GET', `/api/v4/contacts?query=${encodeURIComponent(formatPhone(phone, 'digits').slice(-10))}`, undefined, exchanges);
      if (found.status !== 204 && (found.status < 200 || found.status >= 300)) return classify(found, exchanges);
      const contacts = found.status === 204 ? [] : ((parse(found)._embedded?.contacts as unknown[] | undefined) ?? []);
      if (contacts.length === 0) {
        const name = render(rules.templates.client_name ?? '{{client_name}}', templateValues(c, event)) || formatted;
        const created = await this.send('POST', '/api/v4/contacts', [{ name, ...(responsible ? { responsible_user_id: Number(responsible) } : {}), custom_fields_values: [{ field_code: 'PHONE', values: [{ value: formatted, enum_code: 'WORK' }] }] }], exchanges);
        if (created.status < 200 || created.status >= 300) return classify(created, exchanges);
      }
      const missed = event === 'call.missed';
      const calls = await this.send(
        'POST',
        '/api/v4/calls',
        [
          {
            direction: c.direction === 'outcoming' ? 'outbound' : 'inbound',
            uniq: delivery.key,
            duration: Math.round(c.duration ?? 0),
            source: this.config.source,
            phone: formatted,
            ...(c.recording_url ? { link: c.recording_url } : {}),
            call_status: missed ? NOT_REACHED : HELD,
            call_result: render(rules.templates.comment ?? (missed ? 'Пропущенный звонок' : 'Разговор состоялся'), templateValues(c, missed ? 'missed' : 'answered')),
            ...(responsible ? { responsible_user_id: Number(responsible) } : {}),
            created_at: Math.floor(Date.parse(c.started_at) / 1000),
          },
        ],
        exchanges,
      );
      return classify(calls, exchanges);
    } catch (error) {
      return failure(error, exchanges);
    }
  }

  private async send(method: 'GET' | 'POST', path: string, body: unknown, exchanges: Exchange[]): Promise<HttpAnswer> {
    const url = new URL(path, this.config.base_url);
    const answer = await request(url, { method, headers: { authorization: `Bearer ${this.secrets.access_token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }, this.limits);
    exchanges.push({ request: { method, url: url.toString() }, status: answer.status, excerpt: excerpt(answer.body, [this.secrets.access_token]) });
    return answer;
  }
}

function parse(answer: HttpAnswer): { _embedded?: Record<string, unknown> } {
  try {
    return JSON.parse(answer.body) as { _embedded?: Record<string, unknown> };
  } catch {
    return {};
  }
}
