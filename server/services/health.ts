// Use case: readiness — database reachable and migrated, search engine answering, outbox backlog and lag.
import type { Executor } from '../db/repositories/executor.js';
import { backlog, type TopicBacklog } from '../db/repositories/outbox.js';
import { pendingMigrations } from '../db/migrator.js';
import type { SearchEngine, SearchIndex } from '../search/port.js';
import type { SearchSync, SettingsState } from '../search/sync.js';

export type OutboxBacklog = Record<string, Omit<TopicBacklog, 'topic'>>;

export interface Readiness {
  ready: boolean;
  database: 'ok' | 'unreachable';
  migrations: { pending: string[] } | null;
  outbox: OutboxBacklog | null;
  search: { engine: SearchEngine; status: 'ok' | 'unavailable'; detail?: string; settings: SettingsState };
}

const TOPICS = ['search', 'media', 'crm'] as const;

export class Health {
  constructor(
    private readonly db: Executor,
    private readonly index: SearchIndex,
    private readonly sync: SearchSync,
  ) {}

  /** Ready means the database answers and is migrated; a search engine outage is reported, ingestion goes on. */
  async readiness(): Promise<Readiness> {
    const searchHealth = this.index.health().catch((error: unknown) => ({ status: 'unavailable' as const, detail: String(error) }));
    try {
      const [pending, outbox, engine] = await Promise.all([pendingMigrations(this.db), this.outbox(), searchHealth]);
      return { ready: pending.length === 0, database: 'ok', migrations: { pending }, outbox, search: this.search(engine) };
    } catch {
      return { ready: false, database: 'unreachable', migrations: null, outbox: null, search: this.search(await searchHealth) };
    }
  }

  async outbox(): Promise<OutboxBacklog> {
    const result: OutboxBacklog = {};
    for (const topic of TOPICS) result[topic] = { pending: 0, dead: 0, oldest_seconds: 0 };
    for (const { topic, ...rest } of await backlog(this.db)) result[topic] = rest;
    return result;
  }

  private search(engine: { status: 'ok' | 'unavailable'; detail?: string }): Readiness['search'] {
    return { engine: this.index.engine, ...engine, settings: this.sync.settingsState };
  }
}
