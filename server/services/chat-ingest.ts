// Use case: ingest chats. One transaction per post: the client (through aliases of merged clients), the
// chat upserted by uid, its messages merged by message id (a growing dialogue posted again adds only what
// is new), and outbox rows for search and CRM.
import type { CountryCode } from 'libphonenumber-js';
import { prepareChat, type ChatInput } from '../domain/chat-submission.js';
import type { IntegrationContext } from '../domain/call-submission.js';
import { coerceCustomFields } from '../domain/custom-field-types.js';
import { Conflict, OperatorInactive, OperatorNotFound } from '../domain/errors.js';
import { mergeMessages, upsertChat } from '../db/repositories/chats.js';
import { resolveExternalId, upsertClient } from '../db/repositories/clients.js';
import type { Executor } from '../db/repositories/executor.js';
import { findOperatorsByExternalIds } from '../db/repositories/operators.js';
import { enqueue } from '../db/repositories/outbox.js';
import type { IngestResult } from './call-ingest.js';
import { loadDefinitions } from './custom-field-definitions.js';

export class ChatIngest {
  constructor(
    private readonly db: Executor,
    private readonly phoneRegion?: CountryCode,
  ) {}

  async ingest(input: ChatInput, raw: unknown, integration: IntegrationContext): Promise<IngestResult> {
    const chat = prepareChat(input, raw, integration, this.phoneRegion);
    return this.db.transaction().execute(async (trx) => {
      const [operator] = await findOperatorsByExternalIds(trx, [chat.operatorExternalId]);
      if (!operator) throw new OperatorNotFound(chat.operatorExternalId);
      if (!operator.active) throw new OperatorInactive(chat.operatorExternalId);
      const fields = coerceCustomFields(await loadDefinitions(trx), chat.customFields, chat.defaultZone);
      const warnings = [...chat.warnings, ...fields.warnings];
      const client = chat.client
        ? await upsertClient(trx, chat.integrationId, {
            external_id: await resolveExternalId(trx, chat.integrationId, chat.client.externalId),
            first_name: chat.client.firstName,
            last_name: chat.client.lastName,
            company_name: chat.client.companyName,
            phone: chat.phone?.e164 ?? chat.phone?.raw ?? null,
          })
        : undefined;
      const written = await upsertChat(trx, {
        integration_id: chat.integrationId,
        uid: chat.uid,
        operator_id: operator.id,
        department_id: operator.department_id,
        client_id: client?.id ?? null,
        channel: chat.channel,
        closed_at: chat.closedAt?.toISOString() ?? null,
        started_at: chat.startedAt.toISOString(),
        client_phone_raw: chat.phone?.raw ?? null,
        client_phone_e164: chat.phone?.e164 ?? null,
        nps: chat.nps,
        custom_fields: fields.values,
        tags: chat.tags,
        warnings,
        raw: chat.raw,
      });
      if (!written) throw new Conflict('uid_is_a_call', `uid "${chat.uid}" belongs to a call of this integration`, [{ path: 'uid', code: 'uid_is_a_call', message: 'a call has this uid' }]);
      await mergeMessages(trx, written.id, chat.messages);
      const event = written.created ? 'chat.created' : 'chat.updated';
      await enqueue(trx, [
        { topic: 'search', key: written.id, payload: { communication_id: written.id } },
        { topic: 'crm', key: written.id, payload: { communication_id: written.id, event } },
      ]);
      return { id: written.id, uid: chat.uid, status: written.created ? 'created' : 'updated', warnings };
    });
  }
}
