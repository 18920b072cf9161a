// Zoho Desk (Authorization: Zoho-oauthtoken, orgId header): the contact is found by phone
// (GET /api/v1/contacts/search?phone=) or created (POST /api/v1/contacts), then a ticket is created
// (POST /api/v1/tickets) in the configured department with rules.field_mapping filling its custom fields
// (`cf`: cf_utm_source, cf_google_client_id…). A retried delivery first looks for the ticket it may have
// made (GET /api/v1/tickets/search?customField1=cf_earshot_key:<key>) when a key field is configured.
import { crmUserOf } from '../domain/crm-rules.js';
import { formatPhone } from '../domain/phone-number.js';
import { render } from '../domain/templates.js';
import { classify, excerpt, failure, request, type HttpAnswer, type HttpLimits } from './http-client.js';
import type { CrmConnector, Delivery, DeliveryOutcome, Exchange } from './port.js';
import { templateValues } from './template-values.js';

export interface ZohoDeskConfig {
  base_url: string;
  org_id: string;
  department_id: string;
  /** A ticket custom field (api name, e.g. cf_earshot_key) that receives the delivery key, for retries to find their ticket. */
  key_field?: string | undefined;
}

export interface ZohoDeskSecrets {
  access_token: string;
}

export class ZohoDeskConnector implements CrmConnector {
  constructor(
    private readonly config: ZohoDeskConfig,
    private readonly secrets: ZohoDeskSecrets,
    private readonly limits: HttpLimits,
  ) {}

  async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
    const exchanges: Exchange[] = [];
    const { communication: c, rules, event } = delivery;
    const phone = c.client_phone_e164 ?? c.client_phone_number;
    if (!phone) return { kind: 'permanent', reason: 'the call has no client phone number; Zoho Desk contacts are found by phone', exchanges };
    const missed = event === 'call.missed';
    const values = templateValues(c, missed ? 'missed' : 'answered');
    const formatted = formatPhone(phone, rules.phone_format);
    try {
      if (this.config.key_field) {
        const mine = await this.send('GET', `/api/v1/tickets/search?customField1=${encodeURIComponent(`${this.config.key_field}:${delivery.key}`)}`, undefined, exchanges);
        if (mine.status === 200 && (data(mine).length > 0)) return { kind: 'ok', exchanges };
        if (mine.status !== 200 && mine.status !== 204) return classify(mine, exchanges);
      }
      const found = await this.send('GET', `/api/v1/contacts/search?phone=${encodeURIComponent(formatted)}&limit=1`, undefined, exchanges);
      if (found.status !== 200 && found.status !== 204) return classify(found, exchanges);
      let contactId = found.status === 200 ? (data(found)[0]?.id as string | undefined) : undefined;
      if (!contactId) {
        const name = render(rules.templates.client_name ?? '{{client_name}}', values) || formatted;
        const created = await this.send('POST', '/api/v1/contacts', { lastName: name, phone: formatted }, exchanges);
        if (created.status < 200 || created.status >= 300) return classify(created, exchanges);
        contactId = (JSON.parse(created.body) as { id?: string }).id;
      }
      const cf = Object.fromEntries(rules.field_mapping.filter((m) => m.crm_field.startsWith('cf_')).map((m) => [m.crm_field, render(m.value, values)]));
      if (this.config.key_field) cf[this.config.key_field] = delivery.key;
      const assignee = crmUserOf(rules, missed ? null : (c.operator?.external_id ?? null));
      const ticket = await this.send(
        'POST',
        '/api/v1/tickets',
        {
          subject: render(rules.templates.subject ?? (missed ? 'Missed call {{client_phone}}' : 'Call {{client_phone}}'), values).slice(0, 255),
          departmentId: this.config.department_id,
          contactId,
          phone: formatted,
          channel: 'Phone',
          description: render(rules.templates.comment ?? '{{direction}} call, {{duration}} s, {{status}}. {{recording_url}}', values),
          ...(assignee ? { assigneeId: assignee } : {}),
          ...(missed && rules.missed_call_task.enabled ? { dueDate: new Date(Date.parse(c.started_at) + rules.missed_call_task.deadline_hours * 3600_000).toISOString() } : {}),
          ...(Object.keys(cf).length > 0 ? { cf } : {}),
        },
        exchanges,
      );
      return classify(ticket, exchanges);
    } catch (error) {
      return failure(error, exchanges);
    }
  }

  private async send(method: 'GET' | 'POST', path: string, body: unknown, exchanges: Exchange[]): Promise<HttpAnswer> {
    const url = new URL(path, this.config.base_url);
    const answer = await request(url, { method, headers: { authorization: `Zoho-oauthtoken ${this.secrets.access_token}`, orgId: this.config.org_id, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }, this.limits);
    exchanges.push({ request: { method, url: url.toString() }, status: answer.status, excerpt: excerpt(answer.body, [this.secrets.access_token]) });
    return answer;
  }
}

function data(answer: HttpAnswer): Array<Record<string, unknown>> {
  try {
    const parsed = JSON.parse(answer.body) as { data?: Array<Record<string, unknown>> };
    return parsed.data ?? [];
  } catch {
    return [];
  }
}
