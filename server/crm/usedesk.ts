// Usedesk (api_token of an API channel in every POST body): the client is found by phone (POST /clients)
// or created from the client_name template (POST /create/client); an open ticket of the client in the
// configured statuses gets the call as a comment (POST /create/comment), else — or always, when so
// configured — a new ticket is created (POST /create/ticket, unless create_ticket is off) with its type, tag
// (a template) and assignee, and the delivery key as additional_id. A missed call's ticket belongs to the
// duty user: a reused ticket is reassigned to them (POST /update/ticket). Phones in subjects and messages
// follow rules.phone_format; Usedesk's own phone fields take digits.
import { responsibleFor } from '../domain/crm-rules.js';
import { formatPhone } from '../domain/phone-number.js';
import { render } from '../domain/templates.js';
import { classify, excerpt, failure, request, type HttpAnswer, type HttpLimits } from './http-client.js';
import type { CrmConnector, Delivery, DeliveryOutcome, Exchange } from './port.js';
import { templateValues } from './template-values.js';

export interface UsedeskConfig {
  base_url: string;
  /** reuse_open: the call joins the client's first ticket in `open_statuses`; always_new: a ticket per call. */
  ticket_mode: 'reuse_open' | 'always_new';
  open_statuses: number[];
  ticket_type: 'question' | 'task' | 'problem' | 'incident';
  tag?: string | undefined;
  create_client: boolean;
  create_ticket: boolean;
}

export interface UsedeskSecrets {
  api_token: string;
}

const digits = (phone: string) => phone.replace(/\D/g, '');

export class UsedeskConnector implements CrmConnector {
  constructor(
    private readonly config: UsedeskConfig,
    private readonly secrets: UsedeskSecrets,
    private readonly limits: HttpLimits,
  ) {}

  async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
    const exchanges: Exchange[] = [];
    const { communication: c, rules, event } = delivery;
    const phone = c.client_phone_e164 ?? c.client_phone_number;
    if (!phone) return { kind: 'permanent', reason: 'the call has no client phone number; Usedesk clients are found by phone', exchanges };
    const missed = event === 'call.missed';
    const values = { ...templateValues(c, missed ? 'missed' : 'answered'), client_phone: formatPhone(phone, rules.phone_format) };
    const assignee = responsibleFor(rules, event, c.operator?.external_id ?? null);
    const message = render(rules.templates.comment ?? '{{direction}} call {{client_phone}}, {{duration}} s, {{status}}. {{recording_url}}', values);
    try {
      const found = await this.post('/clients', { query: digits(phone).slice(-10), search_type: 'partial_match' }, exchanges);
      if (!ok(found)) return classify(found, exchanges);
      const clients = asArray(found).filter((client) => [client.phone, ...(Array.isArray(client.phones) ? client.phones.map((p: { phone?: string }) => p.phone) : [])].some((p) => typeof p === 'string' && digits(p).endsWith(digits(phone).slice(-10))));
      let clientId = clients[0]?.id as number | undefined;
      if (clientId === undefined && this.config.create_client) {
        const created = await this.post('/create/client', { name: render(rules.templates.client_name ?? '{{client_name}}', values) || formatPhone(phone, rules.phone_format), phone: digits(phone) }, exchanges);
        if (!ok(created)) return classify(created, exchanges);
        clientId = (parse(created) as { client_id?: number }).client_id;
      }
      if (this.config.ticket_mode === 'reuse_open' && clientId !== undefined) {
        const open = await this.post('/tickets', { query: digits(phone).slice(-10), fstatus: this.config.open_statuses.join(',') }, exchanges);
        if (!ok(open)) return classify(open, exchanges);
        const ticket = asArray(open).find((t) => t.client_id === clientId);
        if (ticket) {
          // A retried delivery finds its own comment in the ticket (the delivery key is in it) and stops.
          if (typeof ticket.last_comment === 'string' && ticket.last_comment.includes(delivery.key)) return { kind: 'ok', exchanges };
          if (missed && assignee && Number(ticket.assignee_id) !== Number(assignee)) {
            const reassigned = await this.post('/update/ticket', { ticket_id: ticket.id, assignee_id: Number(assignee) }, exchanges);
            if (!ok(reassigned)) return classify(reassigned, exchanges);
          }
          const comment = await this.post('/create/comment', { ticket_id: ticket.id, message: `${message}<br><small>${delivery.key}</small>`, type: 'private', ...(assignee ? { user_id: Number(assignee) } : {}) }, exchanges);
          return classify(comment, exchanges);
        }
      }
      if (!this.config.create_ticket) return { kind: 'ok', exchanges };
      const tag = this.config.tag ? render(this.config.tag, values) : '';
      const ticket = await this.post(
        '/create/ticket',
        {
          subject: render(rules.templates.subject ?? (missed ? 'Пропущенный звонок {{client_phone}}' : 'Звонок {{client_phone}}'), values),
          message,
          ...(clientId !== undefined ? { client_id: clientId } : { client_id: 'new_client', client_phone: digits(phone) }),
          type: this.config.ticket_type,
          ...(tag ? { tag } : {}),
          ...(assignee ? { assignee_id: Number(assignee) } : {}),
          additional_id: delivery.key,
        },
        exchanges,
      );
      return classify(ticket, exchanges);
    } catch (error) {
      return failure(error, exchanges);
    }
  }

  private async post(path: string, body: Record<string, unknown>, exchanges: Exchange[]): Promise<HttpAnswer> {
    const url = new URL(path.slice(1), this.config.base_url.endsWith('/') ? this.config.base_url : `${this.config.base_url}/`);
    const answer = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_token: this.secrets.api_token, ...body }) }, this.limits);
    exchanges.push({ request: { method: 'POST', url: url.toString(), summary: path }, status: answer.status, excerpt: excerpt(answer.body, [this.secrets.api_token]) });
    // Usedesk reports a bad token as {"status":"error","message":"…token…"} with HTTP 401/403 or 200.
    const reported = parse(answer) as { status?: string; message?: string } | undefined;
    if (answer.status === 200 && reported?.status === 'error' && /token/i.test(String(reported.message))) return { ...answer, status: 401 };
    return answer;
  }
}

const ok = (answer: HttpAnswer) => answer.status >= 200 && answer.status < 300;

function parse(answer: HttpAnswer): unknown {
  try {
    return JSON.parse(answer.body) as unknown;
  } catch {
    return undefined;
  }
}

function asArray(answer: HttpAnswer): Array<Record<string, any>> {
  const value = parse(answer);
  return Array.isArray(value) ? (value as Array<Record<string, any>>) : [];
}
