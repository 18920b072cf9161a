// Imports operators from a CSV file (external_id,email,first_name,last_name,department,active).
// Usage: npm run import-operators -- operators.csv [--dry-run]
// Safe to re-run: operators are upserted by external_id, so an interrupted import resumes by running again.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { openCli, runCli } from './lib/context.js';
import { Progress } from './lib/progress.js';

runCli(async () => {
  const { values, positionals } = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false } }, allowPositionals: true });
  if (positionals.length !== 1) {
    process.stderr.write('usage: import-operators FILE.csv [--dry-run]\n');
    return 2;
  }
  const text = await readFile(positionals[0]!, 'utf8');
  const cli = await openCli();
  const progress = new Progress(values['dry-run'] ? 'checking operators' : 'importing operators');
  const report = await cli.services.operators.importCsv(text, {
    dryRun: values['dry-run'],
    onProgress: (done, total) => progress.update(done, total, done === total),
  });
  await cli.close();
  const verb = values['dry-run'] ? 'would be ' : '';
  process.stdout.write(`${verb}created: ${report.created}, ${verb}updated: ${report.updated}, errors: ${report.errors.length}\n`);
  for (const error of report.errors) process.stdout.write(`line ${error.line}: ${error.message}\n`);
  return report.errors.length > 0 ? 1 : 0;
});
