// PLACEHOLDER for the shared SearchIndex contract suite, which is written on another branch and
// replaces this file on merge. It keeps the same signature and holds one case.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SearchDocument } from '../../server/search/document.js';
import type { SearchIndex } from '../../server/search/port.js';

export interface OpenedIndex {
  index: SearchIndex;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const document = (id: string, kind: 'call' | 'chat'): SearchDocument => ({
  id,
  kind,
  uid: `uid-${id}`,
  integration_id: '11111111-1111-4111-8111-111111111111',
  operator_id: null,
  operator_external_id: null,
  department_id: null,
  direction: 'incoming',
  started_at: 1_704_067_200,
  duration: 60,
  nps: null,
  client_id: null,
  client_name: null,
  client_phone: [],
  tags: [],
  transcript: '',
  messages: '',
});

export function describeSearchIndexContract(name: string, open: () => Promise<OpenedIndex>): void {
  describe(`SearchIndex contract: ${name}`, () => {
    let opened: OpenedIndex;
    beforeAll(async () => {
      opened = await open();
    });
    beforeEach(async () => {
      await opened.reset();
    });
    afterAll(async () => {
      await opened?.close();
    });

    it('finds documents by kind', async () => {
      const call = '00000000-0000-4000-8000-000000000001';
      const chat = '00000000-0000-4000-8000-000000000002';
      await opened.index.applySettings({ filterableCustomFields: [] });
      await opened.index.upsert([document(call, 'call'), document(chat, 'chat')]);
      const result = await opened.index.search({ filter: { field: { source: 'core', name: 'kind' }, kind: 'keyword', op: 'eq', value: 'call' }, sort: [], limit: 10 });
      expect(result.hits.map((h) => h.id)).toEqual([call]);
    });
  });
}
