// Creates an integration and prints its id, token (shown once) and phone_calls_url.
// Usage: npm run create-integration -- --name "Office PBX" [--timezone Europe/Moscow]
import { parseArgs } from 'node:util';
import { isValidTimeZone } from '../server/domain/timestamps.js';
import { openCli, runCli } from './lib/context.js';

runCli(async () => {
  const { values } = parseArgs({ options: { name: { type: 'string' }, timezone: { type: 'string' } } });
  if (!values.name || (values.timezone && !isValidTimeZone(values.timezone))) {
    process.stderr.write('usage: create-integration --name NAME [--timezone IANA/Zone]\n');
    return 2;
  }
  const cli = await openCli();
  const created = await cli.services.integrations.create({ name: values.name, default_timezone: values.timezone ?? null });
  process.stdout.write(`id: ${created.id}\ntoken: ${created.token}\nphone_calls_url: ${created.phone_calls_url}\n`);
  await cli.close();
  return 0;
});
