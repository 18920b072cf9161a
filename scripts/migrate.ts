// Applies pending migrations (also done automatically at start-up, behind an advisory lock).
import { openCli, runCli } from './lib/context.js';

runCli(async () => {
  const cli = await openCli();
  process.stdout.write(cli.migrated.length ? `applied: ${cli.migrated.join(', ')}\n` : 'schema is current; nothing to apply\n');
  await cli.close();
  return 0;
});
