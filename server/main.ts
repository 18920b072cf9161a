// Composition root: config → database → migrations → services → HTTP; graceful shutdown.
import { serve } from '@hono/node-server';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrator.js';
import { createApp } from './http/app.js';
import { BodyBudget } from './http/body-budget.js';
import { createMetrics } from './http/metrics.js';
import { createLogger } from './logger.js';
import { recordingSettings } from './media/recording-settings.js';
import { resolveSecretKey } from './secret-key.js';
import { Scheduler } from './jobs/scheduler.js';
import { searchSyncJob } from './jobs/search-sync.js';
import type { OutboxBacklog } from './services/health.js';
import { openSearchIndex } from './search/engine.js';
import { createServices } from './services/index.js';
import { sealPlaintextSecrets } from './services/source-secrets.js';
import { mediaFetchJob } from './jobs/media-fetch.js';
import { crmDeliveryJob } from './jobs/crm-deliveries.js';
import { retentionJob } from './jobs/retention.js';
import { DestinationPolicy } from './media/destination-policy.js';
import { SourceJobs } from './jobs/source-jobs.js';
import { VERSION } from './version.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`earshot: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const secret = resolveSecretKey(config.secretKey, config.dataDir);
  if (secret.file) logger.warn({ file: secret.file }, 'EARSHOT_SECRET_KEY is unset; using the key kept in the data dir (back it up: tokens depend on it)');

  const database = await openDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize, dataDir: config.dataDir });
  if (database.kind === 'embedded') {
    logger.warn({ dataDir: config.dataDir }, 'DATABASE_URL is unset: running on an embedded Postgres (PGlite) — for evaluation only, not for production');
  }
  const migrations = await migrateToLatest(database.db);
  logger.info({ applied: migrations.applied, current: migrations.current }, 'database migrated');
  // Pull-source passwords written before they were sealed (a migration has no key): sealed now, once.
  const sealedSources = await sealPlaintextSecrets(database.db, secret.key);
  if (sealedSources > 0) logger.info({ sources: sealedSources }, 'sealed pull-source passwords that were stored in the clear');

  const outboxGauge = (name: string, help: string, pick: (b: OutboxBacklog[string]) => number) => ({
    name,
    help,
    labelNames: ['topic'],
    collect: async (set: (value: number, labels?: Record<string, string>) => void) => {
      for (const [topic, backlog] of Object.entries(await services.health.outbox())) set(pick(backlog), { topic });
    },
  });
  // The outbox gauges read through `services` when scraped, after it exists.
  const metrics = createMetrics([
    outboxGauge('earshot_outbox_pending', 'Outbox rows waiting for their consumer', (b) => b.pending),
    outboxGauge('earshot_outbox_dead', 'Outbox rows given up after their last retry', (b) => b.dead),
    outboxGauge('earshot_outbox_oldest_pending_seconds', 'Age of the oldest pending outbox row (consumer lag)', (b) => b.oldest_seconds),
  ]);

  const services = createServices(database.db, {
    secretKey: secret.key,
    publicUrl: config.publicUrl,
    tokenCacheSeconds: config.tokenCacheSeconds,
    ingestRateLimit: config.ingestRateLimit,
    ingest: {
      maxBatch: config.ingestBatchMax,
      maxInFlight: config.ingestConcurrency,
      phoneRegion: config.phoneRegion,
      onBatch: (size) => metrics.ingestBatchSize.observe(size),
    },
    searchIndex: openSearchIndex(config, database.db),
    recordings: recordingSettings(config),
    crm: {
      limits: { timeoutMs: config.crm.timeoutMs, maxResponseBytes: 256 * 1024, policy: new DestinationPolicy(config.crm.allow, config.crm.deny) },
      backoff: { baseMs: 5_000, maxMs: config.crm.retryMaxMs, maxAttempts: Number.POSITIVE_INFINITY },
      mediaWaitSeconds: config.crm.mediaWaitSeconds,
    },
  });
  logger.info({ engine: services.searchIndex.engine }, 'search engine');
  const generated = await services.adminAuth.ensureAdminToken(config.adminToken);
  if (generated) {
    // Shown once, deliberately outside the redacted structured fields.
    logger.warn(`no admin token existed and EARSHOT_ADMIN_TOKEN is unset; generated admin token (shown once): ${generated}`);
  }


  // Background jobs: search sync and media fetch woken by outbox NOTIFYs (cron as the safety tick), and one
  // cron task per active pull source; all under advisory locks.
  const scheduler = new Scheduler(database.signals, services.jobRuns, logger);
  scheduler.register(searchSyncJob(services.searchSync, (report) => report.lagSeconds.forEach((s) => metrics.searchIndexLag.observe(s))));
  scheduler.register(mediaFetchJob(services.recordings));
  scheduler.register(retentionJob(services.retention));
  scheduler.register(crmDeliveryJob(services.crmDeliveries, (error) => logger.error({ err: error }, 'a CRM connector drain failed')));
  const sourceJobs = new SourceJobs(services.pullSources, database.signals, services.jobRuns, logger);
  await scheduler.start();
  await sourceJobs.start();

  const app = createApp({ services, metrics, logger, bodyLimitBytes: config.bodyLimitBytes, bodyBudget: new BodyBudget(config.bodyBudgetBytes), version: VERSION, trustedProxies: config.trustedProxies });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    logger.info({ port: info.port, version: VERSION, database: database.kind, publicUrl: config.publicUrl }, 'earshot listening');
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    server.close(async () => {
      await sourceJobs.stop();
      await scheduler.stop();
      await database.close();
      clearTimeout(force);
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`earshot: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
