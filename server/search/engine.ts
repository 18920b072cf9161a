// Chooses the search engine from the configuration: Meilisearch when MEILI_URL is set, else the Postgres
// index in the same database. Shared by the server and the admin CLIs so both talk to the same index.
import type { Executor } from '../db/repositories/executor.js';
import { MeilisearchIndex } from './meilisearch.js';
import type { SearchIndex } from './port.js';
import { PostgresSearchIndex } from './postgres.js';

export function openSearchIndex(config: { meiliUrl: string | undefined; meiliMasterKey: string | undefined }, db: Executor): SearchIndex {
  if (config.meiliUrl) return new MeilisearchIndex({ url: config.meiliUrl, apiKey: config.meiliMasterKey ?? '' });
  return new PostgresSearchIndex(db);
}
