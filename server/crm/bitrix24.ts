// Bitrix24 telephony (REST, OAuth `auth` of an application): telephony.externalcall.register → finish
// (duration, status code) → for a missed call, a task for the duty user (tasks.task.add, bound to the CRM
// entity the call found or made) → attachRecord (the recording's URL). Each step's result is kept in the
// delivery's progress, so a retry resumes at the failed step: a call is registered once, however late the
// retry (Bitrix24 answers a repeated register with the same CALL_ID only within 30 minutes of an unfinished call).
// A follow-up (a missed call answered after all) registers nothing: it completes the missed call's task
// (tasks.task.complete) and attaches the recording to the call the first delivery registered.
import { missedCallTask, responsibleFor } from '../domain/crm-rules.js';
import { formatPhone } from '../domain/phone-number.js';
import { render } from '../domain/templates.js';
import { excerpt, failure, request, retryAfterMs, type HttpAnswer, type HttpLimits } from './http-client.js';
import { OAuthSession, type OAuthSecrets } from './oauth.js';
import type { CrmConnector, Delivery, DeliveryOutcome, Exchange, TokenKeeper } from './port.js';
import { templateValues } from './template-values.js';

export interface Bitrix24Config {
  /** The portal, e.g. https://example.bitrix24.ru */
  portal_url: string;
  /** Create a lead/contact for an unknown number (CRM_CREATE). */
  crm_create: boolean;
  crm_entity_type?: 'CONTACT' | 'LEAD' | 'COMPANY' | undefined;
  line_number?: string | undefined;
  oauth_url: string;
}

export type Bitrix24Secrets = OAuthSecrets;

/** What earlier attempts of a delivery achieved. */
interface Progress {
  call_id?: string;
  /** The CRM entity register found or created, e.g. "L_12" (the prefix tasks bind to). */
  entity?: string;
  finished?: boolean;
  task_id?: string;
  /** The recording URL attached last (a replay with a new recording attaches it again). */
  record_url?: string;
  /** A follow-up's: the first delivery's task was completed. */
  task_completed?: boolean;
}

const AUTH_ERRORS = new Set(['expired_token', 'invalid_token', 'NO_AUTH_FOUND', 'WRONG_AUTH_TYPE', 'ACCESS_DENIED', 'INVALID_CREDENTIALS']);
const EXPIRED = new Set(['expired_token', 'invalid_token']);
/** CRM_ENTITY_TYPE → the prefix of a task's UF_CRM_TASK binding. */
const ENTITY_PREFIX = new Map([
  ['LEAD', 'L'],
  ['CONTACT', 'C'],
  ['COMPANY', 'CO'],
  ['DEAL', 'D'],
]);

class Refusal extends Error {
  constructor(readonly outcome: DeliveryOutcome) {
    super(outcome.kind);
  }
}

export class Bitrix24Connector implements CrmConnector {
  private readonly session: OAuthSession<Bitrix24Secrets>;

  constructor(
    private readonly config: Bitrix24Config,
    secrets: Bitrix24Secrets,
    private readonly limits: HttpLimits,
    keeper: TokenKeeper,
  ) {
    const tokenRequest = (s: Bitrix24Secrets & { refresh_token: string }) => {
      const url = new URL(config.oauth_url);
      for (const [name, value] of Object.entries({ grant_type: 'refresh_token', client_id: s.client_id ?? '', client_secret: s.client_secret ?? '', refresh_token: s.refresh_token })) url.searchParams.set(name, value);
      return { url, method: 'GET' as const };
    };
    this.session = new OAuthSession(secrets, tokenRequest, (stored) => stored as Bitrix24Secrets, keeper, limits);
  }

  async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
    const exchanges: Exchange[] = [];
    const { communication: c, rules, event } = delivery;
    const phone = c.client_phone_e164 ?? c.client_phone_number;
    if (!phone) return { kind: 'permanent', reason: 'the call has no client phone number; Bitrix24 needs PHONE_NUMBER', exchanges };
    const operator = c.operator?.external_id ?? null;
    const user = responsibleFor(rules, event, operator);
    if (!user) return { kind: 'permanent', reason: 'no Bitrix24 user: map the operator in rules.user_map or set rules.duty_user', exchanges };
    const missed = event === 'call.missed';
    const task = missedCallTask(rules, event, c.started_at, operator);
    const progress: Progress = ((await delivery.progress?.load()) ?? {}) as Progress;
    const save = () => delivery.progress?.save({ ...progress });
    try {
      if (delivery.follows) {
        const first = delivery.follows.progress as Progress;
        if (first.task_id && !progress.task_completed) {
          await this.call('tasks.task.complete', exchanges, { taskId: first.task_id });
          progress.task_completed = true;
          await save();
        }
        if (first.call_id) await this.attachRecord(first.call_id, c, first.record_url, progress, save, exchanges);
        return { kind: 'ok', exchanges };
      }
      if (!progress.call_id) {
        const registered = (await this.call('telephony.externalcall.register', exchanges, {
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
        })) as { CALL_ID?: string; CRM_ENTITY_TYPE?: string; CRM_ENTITY_ID?: number | string };
        if (!registered.CALL_ID) return { kind: 'permanent', reason: 'register answered without CALL_ID', exchanges };
        progress.call_id = registered.CALL_ID;
        const prefix = ENTITY_PREFIX.get(String(registered.CRM_ENTITY_TYPE));
        if (prefix && registered.CRM_ENTITY_ID) progress.entity = `${prefix}_${registered.CRM_ENTITY_ID}`;
        await save();
      }
      if (!progress.finished) {
        await this.call('telephony.externalcall.finish', exchanges, { CALL_ID: progress.call_id, USER_ID: user, DURATION: Math.round(c.duration ?? 0), STATUS_CODE: missed ? '304' : '200', ADD_TO_CHAT: 0 });
        progress.finished = true;
        await save();
      }
      if (task?.assignee && !progress.task_id) {
        const values = templateValues(c, 'missed');
        const created = (await this.call('tasks.task.add', exchanges, {
          fields: {
            TITLE: render(rules.templates.subject ?? 'Пропущенный звонок {{client_phone}}', values),
            DESCRIPTION: render(rules.templates.comment ?? 'Перезвонить клиенту {{client_phone}} ({{started_at}})', values),
            RESPONSIBLE_ID: task.assignee,
            DEADLINE: task.deadline.toISOString(),
            ...(progress.entity ? { UF_CRM_TASK: [progress.entity] } : {}),
          },
        })) as { task?: { id?: string | number } };
        progress.task_id = String(created.task?.id ?? '');
        await save();
      }
      await this.attachRecord(progress.call_id, c, undefined, progress, save, exchanges);
      return { kind: 'ok', exchanges };
    } catch (error) {
      return error instanceof Refusal ? error.outcome : failure(error, exchanges);
    }
  }

  /** Attaches the call's recording unless this one is attached already (by this delivery or, for a follow-up, the first). */
  private async attachRecord(callId: string, c: Delivery['communication'], attachedBefore: string | undefined, progress: Progress, save: () => Promise<void> | undefined, exchanges: Exchange[]): Promise<void> {
    if (!c.recording_url || progress.record_url === c.recording_url || attachedBefore === c.recording_url) return;
    const extension = /\.mp3(\?|$)/i.test(c.recording_url) ? 'mp3' : 'wav';
    await this.call('telephony.externalcall.attachRecord', exchanges, { CALL_ID: callId, FILENAME: `${c.uid.replace(/[^\w.-]/g, '_')}.${extension}`, RECORD_URL: c.recording_url });
    progress.record_url = c.recording_url;
    await save();
  }

  /** One REST method; its `result`, or a Refusal carrying how the delivery should go on. */
  private async call(method: string, exchanges: Exchange[], params: Record<string, unknown>): Promise<unknown> {
    const url = new URL(`/rest/${method}.json`, this.config.portal_url);
    const send = async (token: string) => {
      const answer = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...params, auth: token }) }, this.limits);
      exchanges.push({ request: { method: 'POST', url: url.toString(), summary: method }, status: answer.status, excerpt: excerpt(answer.body, this.session.masked) });
      return answer;
    };
    const answer = await this.session.send(exchanges, send, (a) => a.status === 401 || EXPIRED.has(parse(a).error ?? ''));
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
