// Rebuilds the search index from Postgres: all communications or a started_at range, with a progress line.
// Usage: npm run backfill-search -- [--from ISO] [--to ISO] [--reapply-raw] [--dry-run] [--batch 1000] [--after CURSOR]
// Each progress line ends with the cursor reached; after an interruption, `--after <cursor>` resumes there
// (a plain re-run is also safe: documents are upserted by id).
import { parseArgs } from 'node:util';
import { openCli, runCli } from './lib/context.js';
import { Progress } from './lib/progress.js';

function parseDate(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`--${name} must be an ISO 8601 date, got "${value}"`);
  return date;
}

runCli(async () => {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      after: { type: 'string' },
      batch: { type: 'string', default: '1000' },
      'dry-run': { type: 'boolean', default: false },
      'reapply-raw': { type: 'boolean', default: false },
    },
  });
  const batchSize = Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new Error('--batch must be an integer from 1 to 10000');
  const dryRun = values['dry-run'];
  const cli = await openCli();
  const progress = new Progress(dryRun ? 'checking' : 'indexing');
  try {
    const report = await cli.services.searchBackfill.run({
      from: parseDate(values.from, 'from'),
      to: parseDate(values.to, 'to'),
      after: values.after,
      batchSize,
      dryRun,
      reapplyRaw: values['reapply-raw'],
      onProgress: (p) => progress.update(p.done, p.total, false, `cursor ${p.cursor}`),
    });
    const verb = dryRun ? 'would index' : 'indexed';
    process.stdout.write(
      `${verb} ${dryRun ? report.done : report.indexed} of ${report.total} communications on ${cli.services.searchIndex.engine}` +
        (values['reapply-raw'] ? `; ${dryRun ? 'would re-apply' : 're-applied'} custom fields on ${report.reapplied}` : '') +
        `; cursor ${report.cursor ?? '(none)'}\n`,
    );
    return 0;
  } finally {
    await cli.close();
  }
});
