// Use case: a person's right to erasure. By client id (within the token's scope) or by phone (every
// integration), one transaction destroys the client's names, phones and attributes and what their
// communications hold about them (recordings, transcripts, message texts, custom field values, raw
// payloads), cancels pending CRM pushes, keeps the communications as anonymous rows for statistics, and
// writes a deletion act (kept 3 years). The search index is updated right after the commit (the outbox
// rows written in the transaction retry it if the engine is down).
import type { CountryCode } from 'libphonenumber-js';
import type { AccessScope } from '../domain/access-scope.js';
import { IntegrationRequired, NotFound } from '../domain/errors.js';
import { normalizePhone } from '../domain/phone-number.js';
import type { Principal } from '../domain/principal.js';
import { hashToken } from '../domain/tokens.js';
import { findClientsByExternalId } from '../db/repositories/clients.js';
import {
  anonymiseCommunications,
  cancelCrmDeliveries,
  clientIdsWithPhone,
  countPersonalData,
  deleteClients,
  findAct,
  insertAct,
  lockCommunications,
  type ErasureActRecord,
} from '../db/repositories/erasure.js';
import type { Executor } from '../db/repositories/executor.js';
import { deleteUnlinkedMedia } from '../db/repositories/media.js';
import { enqueue } from '../db/repositories/outbox.js';
import type { MediaStore } from '../media/port.js';
import type { SearchSync } from '../search/sync.js';

/** Roskomnadzor order 179: deletion acts are kept 3 years. */
const ACT_KEEP_YEARS = 3;

interface Subject {
  type: 'client' | 'phone';
  /** What the act's hash is computed over; never stored as such. */
  value: string;
  integrationId: string | null;
  clientIds: string[];
  phone?: { e164: string | null; raw: string };
}

export interface ErasureOptions {
  secretKey: string;
  /** The region phone numbers without a country code are read in (as ingestion reads them). */
  phoneRegion?: CountryCode | undefined;
}

const actor = (principal: Principal): Record<string, unknown> =>
  principal.type === 'user' ? { type: 'user', id: principal.id, email: principal.email } : principal.type === 'integration' ? { type: 'integration', id: principal.id } : { type: 'admin_token' };

export class Erasure {
  constructor(
    private readonly db: Executor,
    private readonly store: MediaStore,
    private readonly searchSync: SearchSync,
    private readonly options: ErasureOptions,
  ) {}

  /** Erases the client with this external id (`?integration_id=` names the integration when several have it). */
  async eraseClient(access: AccessScope, externalId: string, principal: Principal) {
    const matches = await findClientsByExternalId(this.db, access, externalId);
    if (matches.length === 0) throw new NotFound('client', 'client_not_found');
    if (matches.length > 1) throw new IntegrationRequired(`client "${externalId}" exists in several integrations; say which with ?integration_id=`);
    const client = matches[0]!;
    return this.erase({ type: 'client', value: `${client.integration_id ?? ''}:${client.external_id}`, integrationId: client.integration_id, clientIds: [client.id] }, principal);
  }

  /** Erases every client holding this phone and every communication with it, in all integrations. */
  async erasePhone(phone: string, principal: Principal) {
    const { raw, e164 } = normalizePhone(phone.trim(), this.options.phoneRegion);
    const clientIds = await clientIdsWithPhone(this.db, [...new Set([raw, ...(e164 ? [e164] : [])])]);
    return this.erase({ type: 'phone', value: e164 ?? raw, integrationId: null, clientIds, phone: { e164, raw } }, principal);
  }

  async act(id: string) {
    const act = await findAct(this.db, id);
    if (!act) throw new NotFound('erasure act');
    return actView(act);
  }

  private async erase(subject: Subject, principal: Principal) {
    const act = await this.db.transaction().execute(async (trx) => {
      const rows = await lockCommunications(trx, subject.clientIds, subject.phone);
      const ids = rows.map((r) => r.id);
      const found = await countPersonalData(trx, subject.clientIds, ids);
      await anonymiseCommunications(trx, ids);
      const cancelled = await cancelCrmDeliveries(trx, ids);
      await deleteClients(trx, subject.clientIds);
      await enqueue(trx, ids.map((id) => ({ topic: 'search' as const, key: id, payload: { communication_id: id } })));
      const hashes = await deleteUnlinkedMedia(trx, rows.flatMap((r) => (r.media_id ? [r.media_id] : [])));
      for (const sha256 of hashes) await this.store.remove(sha256);
      const now = new Date();
      const keepUntil = new Date(now);
      keepUntil.setUTCFullYear(keepUntil.getUTCFullYear() + ACT_KEEP_YEARS);
      return insertAct(trx, {
        keep_until: keepUntil,
        subject_type: subject.type,
        subject_hash: hashToken(`${subject.type}:${subject.value}`, this.options.secretKey),
        integration_id: subject.integrationId,
        requested_by: actor(principal),
        communication_ids: ids,
        counts: { clients: subject.clientIds.length, communications: ids.length, ...found, crm_deliveries_cancelled: cancelled },
      });
    });
    // The documents now hold nothing of the person; applied at once, the outbox rows retry if this fails.
    await this.searchSync.indexCommunications(act.communication_ids).catch(() => undefined);
    return { act_id: act.id, erased_at: act.erased_at.toISOString(), counts: act.counts };
  }
}

function actView(act: ErasureActRecord) {
  return {
    act_id: act.id,
    erased_at: act.erased_at.toISOString(),
    keep_until: act.keep_until.toISOString(),
    subject: { type: act.subject_type, integration_id: act.integration_id, hash: act.subject_hash },
    requested_by: act.requested_by,
    communication_ids: act.communication_ids,
    counts: act.counts,
  };
}
