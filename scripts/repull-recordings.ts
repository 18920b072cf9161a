// Looks again for the recordings of a pull source's calls started in a window, for records whose
// recording was missing or is still awaited (e.g. after fixing a recordings folder mount).
// Usage: npm run repull-recordings -- --source <id> --from 2024-05-01 --to 2024-05-08 [--dry-run]
// Resumable: recordings found are marked done and skipped by the next run; interrupt and run again.
import { parseArgs } from 'node:util';
import { parseTimestamp } from '../server/domain/timestamps.js';
import { openCli, runCli } from './lib/context.js';
import { Progress } from './lib/progress.js';

const USAGE = 'usage: repull-recordings --source ID --from DATE --to DATE [--dry-run]   (DATE: ISO 8601, UTC when it has no zone)\n';

function date(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const parsed = parseTimestamp(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00` : text, 'UTC');
  return parsed.ok ? parsed.date : undefined;
}

runCli(async () => {
  const { values } = parseArgs({
    options: { source: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
  });
  const from = date(values.from);
  const to = date(values.to);
  if (!values.source || !from || !to || from >= to) {
    process.stderr.write(USAGE);
    return 2;
  }
  const cli = await openCli();
  try {
    const dryRun = values['dry-run'];
    const progress = new Progress(dryRun ? 'counting recordings to re-pull' : 're-pulling recordings');
    const report = await cli.services.pullSources.repull(values.source, { from, to }, { dryRun, onProgress: (done, total) => progress.update(done, total, done === total) });
    if (dryRun) process.stdout.write(`would look again for ${report.total} recordings\n`);
    else process.stdout.write(`looked for ${report.total} recordings: found ${report.found}, still missing ${report.still_missing}\n`);
    return 0;
  } finally {
    await cli.close();
  }
});
