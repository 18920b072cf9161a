// Wake-ups and single-runner locks for jobs: LISTEN/NOTIFY and session advisory locks on Postgres,
// the PGlite listener and an in-process lock on the embedded database (one process owns its data dir).
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export interface DatabaseSignals {
  /** Calls `onNotify` for every NOTIFY on `channel` until the returned function is called. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** Runs `task` only if no other runner (in any process) holds `name`; false when it was held. */
  exclusively(name: string, task: () => Promise<void>): Promise<boolean>;
  close(): Promise<void>;
}

const RECONNECT_MS = 2_000;

/** Postgres: one dedicated client for LISTEN (re-established when lost), pooled connections for locks. */
export class PostgresSignals implements DatabaseSignals {
  private listener: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
  ) {}

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      const client = await this.client();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    }
    set.add(onNotify);
    return async () => {
      set.delete(onNotify);
    };
  }

  async exclusively(name: string, task: () => Promise<void>): Promise<boolean> {
    const connection = await this.pool.connect();
    try {
      const { rows } = await connection.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [name]);
      if (!rows[0]?.locked) return false;
      try {
        await task();
      } finally {
        await connection.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
      }
      return true;
    } finally {
      connection.release();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.listener;
    this.listener = undefined;
    await client?.end().catch(() => {});
  }

  private client(): Promise<pg.Client> {
    if (this.listener) return Promise.resolve(this.listener);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    this.listener = client;
    return client;
  }

  /** A lost listener is replaced; handlers are told (empty payload) so they catch up on what they missed. */
  private lost(client: pg.Client): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    const retry = () => {
      if (this.closed) return;
      this.client().then(
        () => this.handlers.forEach((set) => set.forEach((handler) => handler(''))),
        () => setTimeout(retry, RECONNECT_MS).unref(),
      );
    };
    setTimeout(retry, RECONNECT_MS).unref();
  }
}

/** Single-runner locks within one process. */
export class InProcessLocks {
  private readonly held = new Set<string>();

  async exclusively(name: string, task: () => Promise<void>): Promise<boolean> {
    if (this.held.has(name)) return false;
    this.held.add(name);
    try {
      await task();
      return true;
    } finally {
      this.held.delete(name);
    }
  }
}

/** Embedded PGlite: its own listeners; locks are in-process since one process owns the data dir. */
export class EmbeddedSignals implements DatabaseSignals {
  private readonly locks = new InProcessLocks();

  constructor(private readonly pglite: PGlite) {}

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const unlisten = await this.pglite.listen(channel, onNotify);
    return async () => {
      if (!this.pglite.closed) await unlisten();
    };
  }

  exclusively(name: string, task: () => Promise<void>): Promise<boolean> {
    return this.locks.exclusively(name, task);
  }

  async close(): Promise<void> {}
}
