// Generic webhook connector, signed per Standard Webhooks v1: `webhook-id` (the delivery key, stable
// across retries so receivers dedupe), `webhook-timestamp` (unix seconds of the attempt) and
// `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}" keyed by the decoded whsec_ secret>`.
import { createHmac } from 'node:crypto';
import { crmUserOf, mappedFields, missedCallTask } from '../domain/crm-rules.js';
import { formatPhone } from '../domain/phone-number.js';
import { templateValues } from './template-values.js';
import { classify, excerpt, failure, request, type HttpLimits } from './http-client.js';
import type { CrmConnector, Delivery, DeliveryOutcome } from './port.js';

export interface WebhookConfig {
  url: string;
}

export interface WebhookSecrets {
  /** whsec_ + base64 of the key bytes. */
  signing_secret: string;
}

export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * The JSON a webhook receives: the event, the communication, and the rules' mapping applied. A follow-up (the
 * communication's event changed after its first delivery went out) names that delivery in `supersedes`.
 */
export function webhookPayload(delivery: Delivery) {
  const { communication: c, rules, event } = delivery;
  const status = event === 'call.missed' ? 'missed' : 'answered';
  const values = templateValues(c, status);
  const phone = c.client_phone_e164 ?? c.client_phone_number;
  const task = missedCallTask(rules, event, c.started_at, c.operator?.external_id ?? null);
  return {
    id: delivery.key,
    type: event,
    ...(delivery.follows ? { supersedes: delivery.follows.key } : {}),
    data: {
      ...c,
      client_phone_formatted: phone ? formatPhone(phone, rules.phone_format) : null,
      crm_user: crmUserOf(rules, c.operator?.external_id ?? null) ?? null,
      fields: mappedFields(rules, 'ticket', values),
      contact_fields: mappedFields(rules, 'contact', values),
      ...(task ? { task: { assignee: task.assignee ?? null, deadline: task.deadline.toISOString() } } : {}),
    },
  };
}

export class WebhookConnector implements CrmConnector {
  constructor(
    private readonly config: WebhookConfig,
    private readonly secrets: WebhookSecrets,
    private readonly limits: HttpLimits,
  ) {}

  async deliver(delivery: Delivery): Promise<DeliveryOutcome> {
    const body = JSON.stringify(webhookPayload(delivery));
    const timestamp = Math.floor(Date.now() / 1000);
    const summary = { method: 'POST', url: this.config.url, summary: `${delivery.event} ${delivery.communication.id} (${body.length} bytes)` };
    try {
      const answer = await request(
        new URL(this.config.url),
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'webhook-id': delivery.key, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(this.secrets.signing_secret, delivery.key, timestamp, body) },
          body,
        },
        this.limits,
      );
      // 410 Gone: the endpoint is withdrawn (Standard Webhooks): treat like broken credentials, pause.
      const exchanges = [{ request: summary, status: answer.status, excerpt: excerpt(answer.body, [this.secrets.signing_secret]) }];
      if (answer.status === 410) return { kind: 'auth_broken', reason: 'HTTP 410: the endpoint is gone', exchanges };
      return classify(answer, exchanges);
    } catch (error) {
      return failure(error, [{ request: summary }]);
    }
  }
}
