// What every admin CLI needs: config from the environment, the database (migrated), and the services.
import { loadConfig } from '../../server/config.js';
import { openDatabase } from '../../server/db/database.js';
import { migrateToLatest } from '../../server/db/migrator.js';
import { openSearchIndex } from '../../server/search/engine.js';
import { recordingSettings } from '../../server/media/recording-settings.js';
import { resolveSecretKey } from '../../server/secret-key.js';
import { createServices, type Services } from '../../server/services/index.js';

export interface CliContext {
  services: Services;
  migrated: string[];
  close(): Promise<void>;
}

export async function openCli(): Promise<CliContext> {
  const config = loadConfig(process.env);
  const database = await openDatabase({ url: config.databaseUrl, poolSize: 4, dataDir: config.dataDir });
  const { applied } = await migrateToLatest(database.db);
  const secret = resolveSecretKey(config.secretKey, config.dataDir);
  const services = createServices(database.db, {
    secretKey: secret.key,
    publicUrl: config.publicUrl,
    tokenCacheSeconds: 0,
    searchIndex: openSearchIndex(config, database.db),
    recordings: recordingSettings(config),
  });
  return { services, migrated: applied, close: () => database.close() };
}

/** Runs a CLI body, turning errors into one line on stderr and an exit code. */
export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
