import { describe, expect, it } from 'vitest';
import { GroupCommitter } from '../../server/services/group-commit.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

/** A committer whose batches take a tick and answer each item upper-cased; it records the batches. */
function recordingCommitter(maxBatch: number, maxInFlight: number) {
  const batches: string[][] = [];
  const sizes: number[] = [];
  const committer = new GroupCommitter<string, string>({
    run: async (batch) => {
      batches.push(batch);
      await tick();
      return batch.map((item) => item.toUpperCase());
    },
    keyOf: (item) => item,
    maxBatch,
    maxInFlight,
    onBatch: (size) => sizes.push(size),
  });
  return { batches, sizes, committer };
}

describe('GroupCommitter', () => {
  it('gathers requests that arrive while a batch is in flight, never putting one key twice in a batch', async () => {
    const { batches, sizes, committer } = recordingCommitter(3, 1);
    const first = committer.submit('a');
    await new Promise((r) => setImmediate(r)); // 'a' goes alone: nothing else arrived in its turn
    const results = await Promise.all([first, ...['b', 'c', 'd', 'a', 'e'].map((item) => committer.submit(item))]);
    expect(results).toEqual(['A', 'B', 'C', 'D', 'A', 'E']);
    expect(batches[0]).toEqual(['a']);
    expect(batches[1]).toEqual(['b', 'c', 'd']); // arrived while 'a' was in flight
    expect(batches.slice(1).every((b) => b.length <= 3 && new Set(b).size === b.length)).toBe(true);
    expect(batches.flat().sort()).toEqual(['a', 'a', 'b', 'c', 'd', 'e']);
    expect(batches.length).toBeLessThan(6);
    expect(sizes).toEqual(batches.map((b) => b.length)); // each batch reported once, as it is sent
  });

  it('puts every request submitted in one turn of the event loop into one batch, even with a slot free', async () => {
    const { batches, committer } = recordingCommitter(100, 2);
    const items = Array.from({ length: 10 }, (_, i) => `item-${i}`);
    await Promise.all(items.map((item) => committer.submit(item)));
    expect(batches).toEqual([items]);
  });

  it('fails only the item whose result is an Error, and retries a failed batch item by item', async () => {
    const calls: string[][] = [];
    const committer = new GroupCommitter<string, string>({
      run: async (batch) => {
        calls.push(batch);
        await tick();
        if (batch.length > 1 && batch.includes('poison')) throw new Error('batch failed');
        if (batch[0] === 'poison') throw new Error('poison');
        return batch.map((item) => (item === 'bad' ? new Error('bad item') : item));
      },
      keyOf: (item) => item,
      maxBatch: 10,
      maxInFlight: 1,
    });
    const first = committer.submit('first');
    await new Promise((r) => setImmediate(r));
    const rest = ['ok1', 'poison', 'bad', 'ok2'].map((item) => committer.submit(item).then((v) => ({ v }), (e: Error) => ({ e: e.message })));
    await first;
    expect(await Promise.all(rest)).toEqual([{ v: 'ok1' }, { e: 'poison' }, { e: 'bad item' }, { v: 'ok2' }]);
    expect(calls.some((c) => c.length === 4)).toBe(true);
  });
});
