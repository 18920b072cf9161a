// Use case: stable recording links for CRMs. A ticket or a CRM call opened weeks later still plays its
// recording: the link names a per-recording row (revocable by an admin) and carries an HMAC of its id under
// the server's key, with no expiry. Every open is audited (time, link, client address, user agent, range,
// outcome); a revoked link answers 410, an unknown link or a wrong signature 404.
import { checkRecordingLinkSignature, signRecordingLinkPath } from '../domain/media-signature.js';
import { Gone, NotFound } from '../domain/errors.js';
import type { Executor } from '../db/repositories/executor.js';
import { ensureRecordingLinks, findRecordingLink, insertLinkOpen, listLinkOpens, listRecordingLinks, revokeRecordingLink, type RecordingLinkRow } from '../db/repositories/recording-links.js';
import type { Playback, Recordings } from './recordings.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How many of a link's latest opens an admin sees with it. */
const OPENS_SHOWN = 100;

export interface LinkClient {
  address: string | null;
  userAgent: string | null;
  range: string | null;
}

export class RecordingLinks {
  constructor(
    private readonly db: Executor,
    private readonly recordings: Recordings,
    private readonly secretKey: string,
    private readonly publicUrl: string,
  ) {}

  /** The stable URL of each call recording (made on first use), by communication id. */
  async urlsFor(recordings: Array<{ communication_id: string; media_id: string }>): Promise<Map<string, string>> {
    const links = await ensureRecordingLinks(this.db, recordings);
    return new Map([...links].map(([communicationId, linkId]) => [communicationId, this.urlOf(linkId)]));
  }

  /** Checks a link and opens its recording; the open is audited whatever the answer, once the link is known. */
  async open(linkId: string, sig: string, client: LinkClient): Promise<Playback> {
    const link = UUID.test(linkId) ? await findRecordingLink(this.db, linkId.toLowerCase()) : undefined;
    if (!link) throw new NotFound('recording link', 'recording_link_not_found');
    const audit = (outcome: 'served' | 'revoked' | 'invalid_signature') => insertLinkOpen(this.db, { link_id: link.id, client_address: client.address, user_agent: client.userAgent, range: client.range, outcome });
    if (!checkRecordingLinkSignature(link.id, sig, this.secretKey)) {
      await audit('invalid_signature');
      throw new NotFound('recording link', 'recording_link_not_found');
    }
    if (link.revoked_at) {
      await audit('revoked');
      throw new Gone('recording_link_revoked', 'the recording link was revoked');
    }
    await audit('served');
    return this.recordings.openStored(link.media_id);
  }

  /** The links made for a communication's recordings, with how often each was opened. */
  async ofCommunication(communicationId: string) {
    const rows = UUID.test(communicationId) ? await listRecordingLinks(this.db, communicationId) : [];
    return rows.map((row) => ({ ...this.view(row), opens: Number(row.opens), last_opened_at: row.last_opened_at ? new Date(row.last_opened_at).toISOString() : null }));
  }

  /** One link with its latest opens (the audit trail). */
  async get(id: string) {
    const link = await this.row(id);
    const opens = await listLinkOpens(this.db, link.id, OPENS_SHOWN);
    return { ...this.view(link), opens: opens.map((o) => ({ opened_at: o.opened_at.toISOString(), client_address: o.client_address, user_agent: o.user_agent, range: o.range, outcome: o.outcome })) };
  }

  /** Revokes a link: it answers 410 from now on; a later delivery of the call gets a new link. */
  async revoke(id: string) {
    await this.row(id);
    return this.get((await revokeRecordingLink(this.db, id.toLowerCase()))!.id);
  }

  private async row(id: string): Promise<RecordingLinkRow> {
    const link = UUID.test(id) ? await findRecordingLink(this.db, id.toLowerCase()) : undefined;
    if (!link) throw new NotFound('recording link', 'recording_link_not_found');
    return link;
  }

  private urlOf(linkId: string): string {
    return `${this.publicUrl}${signRecordingLinkPath(linkId, this.secretKey)}`;
  }

  private view(row: Pick<RecordingLinkRow, 'id' | 'communication_id' | 'media_id' | 'created_at' | 'revoked_at'>) {
    return { id: row.id, communication_id: row.communication_id, media_id: row.media_id, url: this.urlOf(row.id), created_at: new Date(row.created_at).toISOString(), revoked_at: row.revoked_at ? new Date(row.revoked_at).toISOString() : null };
  }
}
