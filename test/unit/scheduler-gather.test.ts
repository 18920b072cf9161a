import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.js';
import { InProcessLocks, type DatabaseSignals } from '../../server/db/signals.js';
import { Scheduler } from '../../server/jobs/scheduler.js';

/** In-process signals: NOTIFY is a function call, locks are the embedded database's in-process ones. */
class LocalSignals implements DatabaseSignals {
  private readonly handlers = new Map<string, Array<(payload: string) => void>>();
  private readonly locks = new InProcessLocks();
  notify(channel: string, payload: string): void {
    for (const handler of this.handlers.get(channel) ?? []) handler(payload);
  }
  async listen(channel: string, onNotify: (payload: string) => void) {
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), onNotify]);
    return async () => {};
  }
  exclusively(name: string, task: () => Promise<void>) {
    return this.locks.exclusively(name, task);
  }
  async close() {}
}

const recorder = { started: async () => {}, finished: async () => {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Scheduler wake-ups', () => {
  it('gathers NOTIFY wake-ups for gatherMs into one run, and a burst during a run into one more run', async () => {
    const signals = new LocalSignals();
    const scheduler = new Scheduler(signals, recorder, createLogger('silent'));
    const runs: number[] = [];
    scheduler.register({
      name: 'gathered',
      schedule: '0 0 1 1 *',
      wakeOn: { channel: 'ch', payloads: ['topic'], gatherMs: 80 },
      run: async () => {
        runs.push(Date.now());
        await sleep(30);
      },
    });
    await scheduler.start(); // the catch-up run at start
    await sleep(50);
    expect(runs).toHaveLength(1);

    const woken = Date.now();
    for (let i = 0; i < 50; i++) signals.notify('ch', 'topic');
    signals.notify('ch', 'other'); // not this job's payload
    await sleep(40);
    expect(runs).toHaveLength(1); // still gathering
    await sleep(100);
    expect(runs).toHaveLength(2);
    expect(runs[1]! - woken).toBeGreaterThanOrEqual(75);

    // Wake-ups while a run is in progress: one more run, not one per NOTIFY.
    const during = scheduler.trigger('gathered');
    for (let i = 0; i < 20; i++) signals.notify('ch', 'topic');
    await during;
    await sleep(250);
    expect(runs).toHaveLength(4);
    await scheduler.stop();
  });

  it('runs at once on NOTIFY when the job does not gather, and drops a pending gather on stop', async () => {
    const signals = new LocalSignals();
    const scheduler = new Scheduler(signals, recorder, createLogger('silent'));
    let immediate = 0;
    let gathered = 0;
    scheduler.register({ name: 'now', schedule: '0 0 1 1 *', wakeOn: { channel: 'ch' }, run: async () => void immediate++ });
    scheduler.register({ name: 'later', schedule: '0 0 1 1 *', wakeOn: { channel: 'ch', gatherMs: 100 }, run: async () => void gathered++ });
    await scheduler.start();
    await sleep(20);
    expect([immediate, gathered]).toEqual([1, 1]);
    signals.notify('ch', '');
    await sleep(20);
    expect(immediate).toBe(2);
    await scheduler.stop();
    await sleep(150);
    expect(gathered).toBe(1);
  });
});
