// Zoho Desk (Authorization: Zoho-oauthtoken, orgId header): the contact is found by phone
// (GET /api/v1/contacts/search?phone=) and given the contact mappings (PATCH /api/v1/contacts/{id}), or
// created with them (POST /api/v1/contacts); then a ticket is created (POST /api/v1/tickets) in the configured
// department with the ticket mappings (standard fields by name, custom fields in `cf`: cf_utm_source…); a
// missed call also gets a task on the ticket for the duty user (POST /api/v1/tasks) with the deadline. A
// retried delivery resumes from its progress, and first looks for the ticket it may have made
// (GET /api/v1/tickets/search?customField1=cf_earshot_key:<key>) when a key field is configured.
// Access tokens live 1 h: refreshed at <accounts>/oauth/v2/token (Zoho keeps the refresh token). A follow-up
// (a missed call answered after all) makes no second ticket: it completes the missed call's task
// (PATCH /api/v1/tasks/{id} with status Completed).
import { mappedFields, missedCallTask, responsibleFor, type CrmRules } from '../domain/crm-rules.js';
import { formatPhone } from '../domain/phone-number.js';
import { render } from '../domain/templates.js';
import { classify, excerpt, failure, request, type HttpAnswer, type HttpLimits } from './http-client.js';
import { OAuthSession, type OAuthSecrets } from './oauth.js';
import type { CrmConnector, Delivery, DeliveryOutcome, Exchange, TokenKeeper } from './port.js';
import { templateValues } from './template-values.js';

export interface ZohoDeskConfig {
  base_url: string;
  accounts_url: string;
  org_id: string;
  department_id: string;
  /** A ticket custom field (api name, e.g. cf_earshot_key) that receives the delivery key, for retries to find their ticket. */
  key_field?: string | undefined;
}

export type ZohoDeskSecrets = OAuthSecrets;

interface Progress {
  ticket_id?: string;
  task_id?: string;
  /** A follow-up's: the first delivery's task was completed. */
  task_completed?: boolean;
}

/** Standard fields a mapping may fill, per entity (the rest of a mapping must be a custom field, cf_<api name>). */
const STANDARD_FIELDS = new Map<string, ReadonlySet<string>>([
  ['ticket', new Set(['email', 'priority', 'status', 'category', 'subCategory', 'classification', 'language', 'productId', 'resolution'])],
  ['contact', new Set(['firstName', 'email', 'secondaryEmail', 'mobile', 'title', 'type', 'description', 'city', 'state', 'country', 'street', 'zip'])],
]);
const CUSTOM_FIELD = /^cf_\w{1,60}$/;

/** Mappings Zoho Desk cannot take, with their paths: refused when the rules are saved rather than dropped when sent. */
export function zohoMappingIssues(rules: CrmRules): Array<{ path: Array<string | number>; message: string }> {
  return rules.field_mapping.flatMap((m, i) =>
    CUSTOM_FIELD.test(m.crm_field) || STANDARD_FIELDS.get(m.entity)!.has(m.crm_field)
      ? []
      : [{ path: ['field_mapping', i, 'crm_field'], message: `Zoho Desk ${m.entity}s take cf_<api name> custom fields or one of ${[...STANDARD_FIELDS.get(m.entity)!].join(', ')}` }],
  );
}

/** A mapping's values as a Zoho body: standard fields at the top, custom fields in `cf`. */
function zohoFields(fields: Record<string, string>): Record<string, unknown> {
  const entries = Object.entries(fields);
  const cf = Object.fromEntries(entries.filter(([name]) => CUSTOM_FIELD.test(name)));
  return { ...Object.fromEntries(entries.filter(([name]) => !CUSTOM_FIELD.test(name))), ...(Object.keys(cf).length > 0 ? { cf } : {}) };
}

const ok = (answer: HttpAnswer) => answer.status >= 200 && answer.status < 300;

export class ZohoDeskConnector implements CrmConnector {
  private readonly session: OAuthSession<ZohoDeskSecrets>;

  constructor(
    private readonly config: ZohoDeskConfig,
    secrets: ZohoDeskSecrets,
    private readonly limits: HttpLimits,
    keeper: TokenKeeper,
  ) {
    const tokenRequest = (s: ZohoDeskSecrets & { refresh_token: string }) => {
      const url = new URL('/oauth/v2/token', config.accounts_url);
      for (const [name, value] of Object.entries({ refresh_token: s.refresh_token, client_id: s.client_id ?? '', client_secret: s.client_secret ?? '', grant_type: 'refresh_token' })) url.searchParams.set(name, value);
      return { url, method: 'POST' as const };
    };
    this.session = new OAuthSession(secrets, tokenRequest, (stored) => stored as ZohoDeskSecrets, keeper, limits);
  }

  async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
    const exchanges: Exchange[] = [];
    const { communication: c, rules, event } = delivery;
    const phone = c.client_phone_e164 ?? c.client_phone_number;
    if (!phone) return { kind: 'permanent', reason: 'the call has no client phone number; Zoho Desk contacts are found by phone', exchanges };
    const missed = event === 'call.missed';
    const values = templateValues(c, missed ? 'missed' : 'answered');
    const formatted = formatPhone(phone, rules.phone_format);
    const operator = c.operator?.external_id ?? null;
    const task = missedCallTask(rules, event, c.started_at, operator);
    const progress = ((await delivery.progress?.load()) ?? {}) as Progress;
    const save = () => delivery.progress?.save({ ...progress });
    try {
      if (delivery.follows) {
        const taskId = (delivery.follows.progress as Progress).task_id;
        if (!taskId || progress.task_completed) return { kind: 'ok', exchanges };
        const completed = await this.send('PATCH', `/api/v1/tasks/${encodeURIComponent(taskId)}`, { status: 'Completed' }, exchanges);
        if (!ok(completed)) return classify(completed, exchanges);
        progress.task_completed = true;
        await save();
        return { kind: 'ok', exchanges };
      }
      if (!progress.ticket_id && this.config.key_field) {
        const mine = await this.send('GET', `/api/v1/tickets/search?customField1=${encodeURIComponent(`${this.config.key_field}:${delivery.key}`)}`, undefined, exchanges);
        if (mine.status !== 200 && mine.status !== 204) return classify(mine, exchanges);
        const found = mine.status === 200 ? data(mine)[0]?.id : undefined;
        if (found !== undefined) progress.ticket_id = String(found);
      }
      if (!progress.ticket_id) {
        const contactId = await this.contact(rules, values, formatted, exchanges);
        if (typeof contactId !== 'string') return contactId;
        const assignee = responsibleFor(rules, event, operator);
        const fields = zohoFields({ ...mappedFields(rules, 'ticket', values), ...(this.config.key_field ? { [this.config.key_field]: delivery.key } : {}) });
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
            ...(task ? { dueDate: task.deadline.toISOString() } : {}),
            ...fields,
          },
          exchanges,
        );
        if (!ok(ticket)) return classify(ticket, exchanges);
        progress.ticket_id = String((JSON.parse(ticket.body) as { id?: string }).id ?? '');
        await save();
      }
      if (task && !progress.task_id) {
        const created = await this.send(
          'POST',
          '/api/v1/tasks',
          { subject: render('Call back {{client_phone}} (missed call)', values), departmentId: this.config.department_id, ticketId: progress.ticket_id, dueDate: task.deadline.toISOString(), priority: 'High', ...(task.assignee ? { assigneeId: task.assignee } : {}) },
          exchanges,
        );
        if (!ok(created)) return classify(created, exchanges);
        progress.task_id = String((JSON.parse(created.body) as { id?: string }).id ?? '');
        await save();
      }
      return { kind: 'ok', exchanges };
    } catch (error) {
      return failure(error, exchanges);
    }
  }

  /** The contact's id, found by phone (its contact mappings updated) or created with them; or the outcome that stopped it. */
  private async contact(rules: CrmRules, values: ReturnType<typeof templateValues>, phone: string, exchanges: Exchange[]): Promise<string | DeliveryOutcome> {
    const fields = zohoFields(mappedFields(rules, 'contact', values));
    const found = await this.send('GET', `/api/v1/contacts/search?phone=${encodeURIComponent(phone)}&limit=1`, undefined, exchanges);
    if (found.status !== 200 && found.status !== 204) return classify(found, exchanges);
    const existing = found.status === 200 ? data(found)[0]?.id : undefined;
    if (existing !== undefined) {
      if (Object.keys(fields).length > 0) {
        const updated = await this.send('PATCH', `/api/v1/contacts/${encodeURIComponent(String(existing))}`, fields, exchanges);
        if (!ok(updated)) return classify(updated, exchanges);
      }
      return String(existing);
    }
    const name = render(rules.templates.client_name ?? '{{client_name}}', values) || phone;
    const created = await this.send('POST', '/api/v1/contacts', { lastName: name, phone, ...fields }, exchanges);
    if (!ok(created)) return classify(created, exchanges);
    return String((JSON.parse(created.body) as { id?: string }).id ?? '');
  }

  private async send(method: 'GET' | 'POST' | 'PATCH', path: string, body: unknown, exchanges: Exchange[]): Promise<HttpAnswer> {
    const url = new URL(path, this.config.base_url);
    const attempt = async (token: string) => {
      const answer = await request(url, { method, headers: { authorization: `Zoho-oauthtoken ${token}`, orgId: this.config.org_id, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }, this.limits);
      exchanges.push({ request: { method, url: url.toString() }, status: answer.status, excerpt: excerpt(answer.body, this.session.masked) });
      return answer;
    };
    return this.session.send(exchanges, attempt, (answer) => answer.status === 401);
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
