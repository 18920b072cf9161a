// Runs the SearchIndex contract suite against a real Meilisearch at MEILI_URL, on an index of its own.
import { randomUUID } from 'node:crypto';
import { Meilisearch } from 'meilisearch';
import { describe, it } from 'vitest';
import { MeilisearchIndex } from '../../server/search/meilisearch.js';
import { describeSearchIndexContract } from './search-index.contract.js';

const url = process.env.MEILI_URL;
const apiKey = process.env.MEILI_MASTER_KEY ?? '';

if (url === undefined || url === '') {
  console.warn('SKIPPED: Meilisearch contract suite (MEILI_URL unset)');
  describe('SearchIndex contract: meilisearch', () => {
    it.skip('runs only with MEILI_URL (and MEILI_MASTER_KEY) pointing at a Meilisearch', () => {});
  });
} else {
  describeSearchIndexContract('meilisearch', async () => {
    const indexUid = `earshot_contract_${randomUUID().replaceAll('-', '')}`;
    const admin = new Meilisearch({ host: url, apiKey }).index(indexUid);
    return {
      index: new MeilisearchIndex({ url, apiKey, indexUid }),
      reset: async () => {
        await admin.deleteAllDocuments().waitTask();
      },
      close: async () => {
        await admin.delete().waitTask();
      },
    };
  });
}
