// Runs the retention purge now, or with --dry-run counts what it would take without changing anything.
// Usage: npm run retention -- [--dry-run]
// Each batch commits on its own, so an interrupted run is resumed by running it again; it refuses to run
// beside another purge (the nightly job on a running instance, or a second CLI).
import { parseArgs } from 'node:util';
import { openCli, runCli } from './lib/context.js';
import { Progress } from './lib/progress.js';

runCli(async () => {
  const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false } } });
  const dryRun = values['dry-run'];
  const cli = await openCli();
  const progress = new Progress(dryRun ? 'counting' : 'purging');
  try {
    const report = await cli.services.retention.purge({ dryRun, onProgress: (p) => progress.update(p.done, p.total) });
    if (!report) {
      process.stderr.write('another retention purge is running; try again when it has finished\n');
      return 75;
    }
    const c = report.counts;
    const verb = dryRun ? 'would delete' : 'deleted';
    process.stdout.write(
      `${verb} ${c.communications} communications, ${dryRun ? 'would remove' : 'removed'} ${c.recordings} recordings` +
        (dryRun ? '' : ` (${c.files} files)`) +
        `, ${dryRun ? 'would blank' : 'blanked'} ${c.transcripts} transcripts, ${verb} ${c.clients} clients and ${c.erasure_acts} expired erasure acts\n`,
    );
    return 0;
  } finally {
    await cli.close();
  }
});
