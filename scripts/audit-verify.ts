// Walks the audit log's hash chain from the first entry, with a progress line; exits 1 and prints the first
// broken entry (a sequence gap: an entry was removed; a hash mismatch: an entry was changed), 0 when intact.
// Usage: npm run audit-verify
import { openCli, runCli } from './lib/context.js';
import { Progress } from './lib/progress.js';

runCli(async () => {
  const cli = await openCli();
  const progress = new Progress('verifying audit log');
  try {
    const check = await cli.services.auditLog.verify((done, total) => progress.update(done, total));
    if (check.broken) {
      const { seq, id, reason, expected, found } = check.broken;
      process.stdout.write(`audit log BROKEN after ${check.checked} intact entries: entry seq ${seq} (id ${id}): ${reason}, expected ${expected}, found ${found}\n`);
      return 1;
    }
    process.stdout.write(`audit log intact: ${check.checked} entries` + (check.head ? `; head seq ${check.head.seq} hash ${check.head.hash}` : '') + '\n');
    return 0;
  } finally {
    await cli.close();
  }
});
