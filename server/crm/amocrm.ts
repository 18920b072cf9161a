// amoCRM API v4 calls: amoCRM attaches a call only to an entity that has the phone, so the contact is
// found by phone (GET /api/v4/contacts?query=) or created first, then POST /api/v4/calls with direction,
// uniq (the delivery key), duration, source, link, phone, call_status/result and the responsible user; a
// missed call also gets a call-back task on the contact (POST /api/v4/tasks) for the duty user. Steps
// done are kept in the delivery's progress, so a retry does not file the call or the task twice. Bearer
// tokens live 24 h: refreshed at POST /oauth2/access_token (amoCRM rotates the refresh token too). A
// follow-up (a missed call answered after all) files no second call: it completes the missed call's task
// (PATCH /api/v4/tasks with is_completed and a result).
import { missedCallTask, responsibleFor } from '../domain/crm-rules.js';
import { formatPhone } from '../domain/phone-number.js';
import { render } from '../domain/templates.js';
import { classify, excerpt, failure, request, type HttpAnswer, type HttpLimits } from './http-client.js';
import { OAuthSession, type OAuthSecrets } from './oauth.js';
import type { CrmConnector, Delivery, DeliveryOutcome, Exchange, TokenKeeper } from './port.js';
import { templateValues } from './template-values.js';

export interface AmoCrmConfig {
  /** https://<subdomain>.amocrm.ru */
  base_url: string;
  source: string;
}

export interface AmoCrmSecrets extends OAuthSecrets {
  redirect_uri?: string | undefined;
}

interface Progress {
  call_filed?: boolean;
  task_id?: number;
  /** A follow-up's: the first delivery's task was completed. */
  task_completed?: boolean;
}

/** call_status: 4 conversation held, 6 not reached (amoCRM's codes); task_type_id 1: call back. */
const HELD = 4;
const NOT_REACHED = 6;
const CALL_TASK = 1;

const ok = (answer: HttpAnswer) => answer.status >= 200 && answer.status < 300;

export class AmoCrmConnector implements CrmConnector {
  private readonly session: OAuthSession<AmoCrmSecrets>;

  constructor(
    private readonly config: AmoCrmConfig,
    secrets: AmoCrmSecrets,
    private readonly limits: HttpLimits,
    keeper: TokenKeeper,
  ) {
    const tokenRequest = (s: AmoCrmSecrets & { refresh_token: string }) => ({
      url: new URL('/oauth2/access_token', config.base_url),
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: s.client_id, client_secret: s.client_secret, grant_type: 'refresh_token', refresh_token: s.refresh_token, redirect_uri: s.redirect_uri }),
    });
    this.session = new OAuthSession(secrets, tokenRequest, (stored) => stored as AmoCrmSecrets, keeper, limits);
  }

  async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
    const exchanges: Exchange[] = [];
    const { communication: c, rules, event } = delivery;
    const phone = c.client_phone_e164 ?? c.client_phone_number;
    if (!phone) return { kind: 'permanent', reason: 'the call has no client phone number; amoCRM files calls by phone', exchanges };
    const operator = c.operator?.external_id ?? null;
    const responsible = responsibleFor(rules, event, operator);
    const formatted = formatPhone(phone, rules.phone_format);
    const missed = event === 'call.missed';
    const task = missedCallTask(rules, event, c.started_at, operator);
    const progress = ((await delivery.progress?.load()) ?? {}) as Progress;
    try {
      if (delivery.follows) return await this.completeFirstTask(delivery, progress, exchanges);
      // Phones are searched by their digits, so +7 912…, 8 (912)… and 7912… written in the CRM all match.
      const found = await this.send('GET', `/api/v4/contacts?query=${encodeURIComponent(formatPhone(phone, 'digits').slice(-10))}`, undefined, exchanges);
      if (found.status !== 204 && !ok(found)) return classify(found, exchanges);
      let contactId = found.status === 204 ? undefined : firstId(found, 'contacts');
      if (contactId === undefined) {
        const name = render(rules.templates.client_name ?? '{{client_name}}', templateValues(c, event)) || formatted;
        const created = await this.send('POST', '/api/v4/contacts', [{ name, ...(responsible ? { responsible_user_id: Number(responsible) } : {}), custom_fields_values: [{ field_code: 'PHONE', values: [{ value: formatted, enum_code: 'WORK' }] }] }], exchanges);
        if (!ok(created)) return classify(created, exchanges);
        contactId = firstId(created, 'contacts');
      }
      if (!progress.call_filed) {
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
        if (!ok(calls)) return classify(calls, exchanges);
        progress.call_filed = true;
        await delivery.progress?.save({ ...progress });
      }
      if (task && progress.task_id === undefined && contactId !== undefined) {
        const text = render(rules.templates.subject ?? 'Перезвонить: пропущенный звонок {{client_phone}}', templateValues(c, 'missed'));
        const created = await this.send('POST', '/api/v4/tasks', [{ text, complete_till: Math.floor(task.deadline.getTime() / 1000), entity_id: contactId, entity_type: 'contacts', task_type_id: CALL_TASK, ...(task.assignee ? { responsible_user_id: Number(task.assignee) } : {}) }], exchanges);
        if (!ok(created)) return classify(created, exchanges);
        progress.task_id = firstId(created, 'tasks') ?? 0;
        await delivery.progress?.save({ ...progress });
      }
      return { kind: 'ok', exchanges };
    } catch (error) {
      return failure(error, exchanges);
    }
  }

  /** A follow-up: the task the missed call opened is completed with the call's outcome as its result. */
  private async completeFirstTask(delivery: Delivery, progress: Progress, exchanges: Exchange[]): Promise<DeliveryOutcome> {
    const taskId = (delivery.follows!.progress as Progress).task_id;
    if (taskId === undefined || taskId === 0 || progress.task_completed) return { kind: 'ok', exchanges };
    const text = render(delivery.rules.templates.comment ?? 'Разговор состоялся', templateValues(delivery.communication, 'answered'));
    const completed = await this.send('PATCH', '/api/v4/tasks', [{ id: taskId, is_completed: true, result: { text } }], exchanges);
    if (!ok(completed)) return classify(completed, exchanges);
    progress.task_completed = true;
    await delivery.progress?.save({ ...progress });
    return { kind: 'ok', exchanges };
  }

  private async send(method: 'GET' | 'POST' | 'PATCH', path: string, body: unknown, exchanges: Exchange[]): Promise<HttpAnswer> {
    const url = new URL(path, this.config.base_url);
    const attempt = async (token: string) => {
      const answer = await request(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }, this.limits);
      exchanges.push({ request: { method, url: url.toString() }, status: answer.status, excerpt: excerpt(answer.body, this.session.masked) });
      return answer;
    };
    return this.session.send(exchanges, attempt, (answer) => answer.status === 401);
  }
}

/** The id of the first entity of an answer's `_embedded.<kind>`. */
function firstId(answer: HttpAnswer, kind: 'contacts' | 'tasks'): number | undefined {
  try {
    const list = (JSON.parse(answer.body) as { _embedded?: Record<string, Array<{ id?: unknown }> | undefined> })._embedded?.[kind];
    const id = list?.[0]?.id;
    return typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}
