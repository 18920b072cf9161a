// The background side: the media fetch job woken by the outbox NOTIFY through the scheduler, and a pull
// source run by its own cron expression under the advisory lock, both recorded in job_runs.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSignals } from '../../server/db/signals.js';
import { mediaFetchJob } from '../../server/jobs/media-fetch.js';
import { Scheduler } from '../../server/jobs/scheduler.js';
import { SourceJobs } from '../../server/jobs/source-jobs.js';
import { createLogger } from '../../server/logger.js';
import { JobRuns } from '../../server/services/job-runs.js';
import { bytesOf, speech } from '../support/audio.js';
import { createTestContext, type TestContext } from '../support/context.js';
import { callBody, postCall, seedWorld, type Integration } from '../support/fixtures.js';
import { cdrLine, pbxDir } from '../support/pbx-files.js';

let ctx: TestContext;
let integration: Integration;
let pool: pg.Pool;
let signals: PostgresSignals;
let pbx: Server;
let pbxUrl: string;

beforeAll(async () => {
  ctx = await createTestContext();
  ({ integration } = await seedWorld(ctx));
  pool = new pg.Pool({ connectionString: ctx.url, max: 4 });
  signals = new PostgresSignals(ctx.url, pool);
  const audio = bytesOf(speech('Фоновая загрузка'));
  pbx = createServer((_req, res) => res.writeHead(200).end(audio));
  await new Promise<void>((r) => pbx.listen(0, '127.0.0.1', r));
  pbxUrl = `http://127.0.0.1:${(pbx.address() as AddressInfo).port}`;
});
afterAll(async () => {
  pbx.close();
  await signals.close();
  await pool.end();
  await ctx.close();
});

const until = async (check: () => Promise<boolean>, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('background jobs', () => {
  it('fetches a posted media_url as soon as the outbox NOTIFY wakes the job', async () => {
    const scheduler = new Scheduler(signals, new JobRuns(ctx.db), createLogger('silent'));
    scheduler.register({ ...mediaFetchJob(ctx.services.recordings), schedule: '0 0 1 1 *' });
    await scheduler.start();
    try {
      const res = await postCall(ctx, integration, callBody({ uid: 'job-1', media_url: `${pbxUrl}/r.wav` }));
      const { id } = (await res.json()) as { id: string };
      await until(async () => (await ctx.db.selectFrom('communications').select('media_state').where('id', '=', id).executeTakeFirstOrThrow()).media_state === 'ready');
      // the start-up catch-up run and the run the NOTIFY woke, both recorded
      await until(async () => Number((await ctx.db.selectFrom('job_runs').select('runs').where('name', '=', 'media-fetch').executeTakeFirst())?.runs ?? 0) >= 2);
    } finally {
      await scheduler.stop();
    }
  });

  it('runs each active source on its cron expression and picks up a new source without a restart', async () => {
    const jobs = new SourceJobs(ctx.services.pullSources, signals, new JobRuns(ctx.db), createLogger('silent'));
    await jobs.start();
    try {
      const dir = pbxDir();
      writeFileSync(path.join(dir, 'Master.csv'), cdrLine({ src: '+74951230000', dst: 'operator@email.com', start: '2024-11-01 10:00:00', uniqueid: '1730455200.1' }));
      const res = await ctx.admin('POST', '/api/v1/admin/sources', {
        name: 'every second', kind: 'asterisk_cdr_csv', integration_id: integration.id, schedule: '* * * * * *', config: { path: path.join(dir, 'Master.csv') },
      });
      const { id } = (await res.json()) as { id: string };
      await until(async () => Boolean(await ctx.db.selectFrom('communications').select('id').where('uid', '=', '1730455200.1').executeTakeFirst()));
      await until(async () => Boolean(await ctx.db.selectFrom('job_runs').select('runs').where('name', '=', `source:${id}`).executeTakeFirst()));
      await ctx.admin('PATCH', `/api/v1/admin/sources/${id}`, { active: false });
      const runs = async () => Number((await ctx.db.selectFrom('job_runs').select('runs').where('name', '=', `source:${id}`).executeTakeFirstOrThrow()).runs);
      await new Promise((r) => setTimeout(r, 300));
      const before = await runs();
      await new Promise((r) => setTimeout(r, 1500));
      expect(await runs()).toBe(before);
    } finally {
      await jobs.stop();
    }
  });
});
