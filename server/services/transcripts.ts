// Use case: a PBX or speech service sends a call's transcript after the call was posted.
import type { TranscriptSegment } from '../domain/call-submission.js';
import { NotFound } from '../domain/errors.js';
import { updateTranscript } from '../db/repositories/communications.js';
import type { Executor } from '../db/repositories/executor.js';
import { enqueue } from '../db/repositories/outbox.js';
import type { IngestResult } from './call-ingest.js';

export class Transcripts {
  constructor(private readonly db: Executor) {}

  async set(integrationId: string, uid: string, transcript: string | TranscriptSegment[]): Promise<IngestResult> {
    return this.db.transaction().execute(async (trx) => {
      const row = await updateTranscript(trx, integrationId, uid, transcript);
      if (!row) throw new NotFound('communication', 'communication_not_found');
      await enqueue(trx, [{ topic: 'search', key: row.id, payload: { communication_id: row.id } }]);
      return { id: row.id, uid: row.uid, status: 'updated', warnings: [] };
    });
  }
}
