// Pull-source secrets at rest: split off the config (sources/secrets.ts) and sealed with the same secret box
// as CRM connector secrets; opened only to read the source. The start-up step seals what rows written
// before this existed still keep in the clear (a migration has no key to do it).
import { open, seal } from '../domain/secret-box.js';
import type { Executor } from '../db/repositories/executor.js';
import { listSources, replaceConfig, type SourceRow } from '../db/repositories/sources.js';
import { joinSecrets, splitSecrets, type SourceSecrets } from '../sources/secrets.js';

/** The config to store (no secret in it) and the sealed secrets (null when there are none). */
export function sealConfig(secretKey: string, config: Record<string, unknown>, kept: SourceSecrets = {}): { config: Record<string, unknown>; secrets: string | null } {
  const split = splitSecrets(config);
  const secrets = { ...kept, ...split.secrets };
  return { config: split.config, secrets: Object.keys(secrets).length ? seal(secretKey, secrets) : null };
}

export function openSecrets(secretKey: string, row: Pick<SourceRow, 'secrets'>): SourceSecrets {
  return row.secrets ? open<SourceSecrets>(secretKey, row.secrets) : {};
}

/** The row with its whole config (secrets joined back), as the adapters and the service need it. */
export function withSecrets(secretKey: string, row: SourceRow): SourceRow {
  return { ...row, config: joinSecrets(row.config, openSecrets(secretKey, row)) };
}

/**
 * Seals every secret still stored in the clear in a source's config; idempotent (a sealed row has nothing
 * left to seal) and safe beside another instance doing the same (each row is replaced only if unchanged).
 * Returns how many sources were sealed.
 */
export async function sealPlaintextSecrets(db: Executor, secretKey: string): Promise<number> {
  let sealed = 0;
  for (const row of await listSources(db)) {
    if (Object.keys(splitSecrets(row.config).secrets).length === 0) continue;
    const next = sealConfig(secretKey, row.config, openSecrets(secretKey, row));
    if (await replaceConfig(db, row.id, row.config, next.config, next.secrets)) sealed++;
  }
  return sealed;
}
