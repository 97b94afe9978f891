import { Batcher } from '../../src/adapters/batcher';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('natural batching', () => {
  it('sends the first item at once and batches what arrives meanwhile', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const b = new Batcher<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate;
        return items.map((i) => i * 10);
      },
      { maxBatch: 3, concurrency: 1 },
    );
    const results = [1, 2, 3, 4, 5].map((i) => b.submit(i));
    await tick();
    release();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('keeps a batch under its weight, never empty', async () => {
    const batches: string[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const b = new Batcher<string, string>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate;
        return items;
      },
      { maxBatch: 10, concurrency: 1, weigh: (s) => s.length, maxWeight: 5 },
    );
    const all = Promise.all(['a', 'bbb', 'cc', 'dddddddd', 'e'].map((s) => b.submit(s)));
    await tick();
    release();
    await all;
    expect(batches).toEqual([['a'], ['bbb', 'cc'], ['dddddddd'], ['e']]);
  });

  it('fails only the bad item of a failed batch', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const b = new Batcher<number, number>(
      async (items) => {
        if (first) {
          first = false;
          await gate;
        }
        if (items.includes(13)) throw new Error('unlucky');
        return items;
      },
      { maxBatch: 10, concurrency: 1 },
    );
    const results = [1, 12, 13, 14].map((i) => b.submit(i).catch((e: Error) => e.message));
    await tick();
    release();
    expect(await Promise.all(results)).toEqual([1, 12, 'unlucky', 14]);
  });
});
