// Sends CRM deliveries again: every delivery of a connector (or all) in a state and a creation window, with
// a fresh retry budget and the same delivery keys (receivers dedupe). Progress with rate and ETA; --dry-run
// counts. Re-running is safe: what went out is delivered, and a dead/paused filter only finds what is left.
// Usage: npm run replay-deliveries -- [--connector ID] [--state dead|paused|delivered] [--from DATE] [--to DATE] [--dry-run]
import { parseArgs } from 'node:util';
import { parseTimestamp } from '../server/domain/timestamps.js';
import { openCli, runCli } from './lib/context.js';
import { Progress } from './lib/progress.js';

const USAGE = 'usage: replay-deliveries [--connector ID] [--state dead|paused|delivered] [--from DATE] [--to DATE] [--dry-run]   (default state: dead; DATE: ISO 8601, UTC when it has no zone)\n';
const STATES = ['dead', 'paused', 'delivered'] as const;

function date(text: string | undefined): Date | undefined | null {
  if (text === undefined) return undefined;
  const parsed = parseTimestamp(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00` : text, 'UTC');
  return parsed.ok ? parsed.date : null;
}

runCli(async () => {
  const { values } = parseArgs({
    options: { connector: { type: 'string' }, state: { type: 'string', default: 'dead' }, from: { type: 'string' }, to: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
  });
  const from = date(values.from);
  const to = date(values.to);
  const state = STATES.find((s) => s === values.state);
  if (!state || from === null || to === null || (values.connector !== undefined && !/^[0-9a-f-]{36}$/i.test(values.connector))) {
    process.stderr.write(USAGE);
    return 2;
  }
  const cli = await openCli();
  try {
    const filter = { state, connector_id: values.connector, since: from, until: to };
    const total = await cli.services.crmDeliveryLog.count(filter);
    const dryRun = values['dry-run'];
    const progress = new Progress(dryRun ? 'counting deliveries to replay' : 'replaying deliveries');
    const { matched } = await cli.services.crmDeliveryLog.replayMatching(filter, { dryRun, onPage: (done) => progress.update(done, total, done >= total) });
    process.stdout.write(dryRun ? `would replay ${matched} ${state} deliveries\n` : `replayed ${matched} ${state} deliveries; the delivery job sends them\n`);
    return 0;
  } finally {
    await cli.close();
  }
});
