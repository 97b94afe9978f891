import { Batcher } from '../../src/adapters/batcher';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A Batcher whose first batch waits for `release()`, recording every batch it runs. */
function heldBatcher<I, O>(
  run: (items: I[]) => O[],
  opts: ConstructorParameters<typeof Batcher<I, O>>[1],
): { batcher: Batcher<I, O>; batches: I[][]; release: () => void } {
  const batches: I[][] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const batcher = new Batcher<I, O>(async (items) => {
    batches.push(items);
    if (batches.length === 1) await gate;
    return run(items);
  }, opts);
  return { batcher, batches, release: () => release() };
}

describe('batching with a linger', () => {
  it('holds a batch open for lingerMs, sends a full one at once, and never holds an item longer', async () => {
    jest.useFakeTimers();
    try {
      const batches: number[][] = [];
      const batcher = new Batcher<number, number>(
        (items) => {
          batches.push(items);
          return Promise.resolve(items.map((i) => -i));
        },
        { maxBatch: 3, concurrency: 1, lingerMs: 20 },
      );
      const first = [1, 2].map((i) => batcher.submit(i));
      await jest.advanceTimersByTimeAsync(19);
      expect(batches).toEqual([]); // still lingering
      await jest.advanceTimersByTimeAsync(1);
      expect(await Promise.all(first)).toEqual([-1, -2]);
      const full = [3, 4, 5].map((i) => batcher.submit(i));
      await jest.advanceTimersByTimeAsync(0);
      expect(await Promise.all(full)).toEqual([-3, -4, -5]); // full: sent without waiting
      const last = batcher.submit(6);
      await jest.advanceTimersByTimeAsync(20);
      expect(await last).toBe(-6);
      const atStop = batcher.submit(7);
      await batcher.settle(); // a shutdown does not wait out the linger
      expect(await atStop).toBe(-7);
      expect(batches).toEqual([[1, 2], [3, 4, 5], [6], [7]]);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('batching with a linger while busy', () => {
  it('sends at once when idle, and holds a new batch for busyLingerMs while another is in flight', async () => {
    jest.useFakeTimers();
    try {
      const batches: number[][] = [];
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const batcher = new Batcher<number, number>(
        async (items) => {
          batches.push(items);
          if (batches.length === 1) await gate;
          return items;
        },
        { maxBatch: 10, concurrency: 2, busyLingerMs: 5 },
      );
      const first = batcher.submit(1);
      await jest.advanceTimersByTimeAsync(0);
      expect(batches).toEqual([[1]]); // idle: no wait
      const trickle = [2, 3].map((i) => batcher.submit(i));
      await jest.advanceTimersByTimeAsync(1);
      const late = batcher.submit(4);
      await jest.advanceTimersByTimeAsync(3);
      expect(batches).toEqual([[1]]); // a batch is in flight: the next one lingers
      await jest.advanceTimersByTimeAsync(1);
      expect(batches).toEqual([[1], [2, 3, 4]]); // one flight for the trickle, not three
      expect(await Promise.all([...trickle, late])).toEqual([2, 3, 4]);
      release();
      expect(await first).toBe(1);
      const alone = batcher.submit(5);
      await jest.advanceTimersByTimeAsync(0);
      expect(await alone).toBe(5); // idle again: sent at once
      expect(batches).toEqual([[1], [2, 3, 4], [5]]);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('natural batching', () => {
  it('sends the first item at once and batches what arrives meanwhile', async () => {
    const { batcher, batches, release } = heldBatcher<number, number>(
      (items) => items.map((i) => i * 10),
      { maxBatch: 3, concurrency: 1 },
    );
    const results = [1, 2, 3, 4, 5].map((i) => batcher.submit(i));
    await tick();
    release();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('keeps a batch under its weight, never empty', async () => {
    const { batcher, batches, release } = heldBatcher<string, string>((items) => items, {
      maxBatch: 10,
      concurrency: 1,
      weigh: (s) => s.length,
      maxWeight: 5,
    });
    const all = Promise.all(['a', 'bbb', 'cc', 'dddddddd', 'e'].map((s) => batcher.submit(s)));
    await tick();
    release();
    await all;
    expect(batches).toEqual([['a'], ['bbb', 'cc'], ['dddddddd'], ['e']]);
  });

  it('fails only the bad item of a failed batch', async () => {
    const { batcher, release } = heldBatcher<number, number>(
      (items) => {
        if (items.includes(13)) throw new Error('unlucky');
        return items;
      },
      { maxBatch: 10, concurrency: 1 },
    );
    const results = [1, 12, 13, 14].map((i) => batcher.submit(i).catch((e: Error) => e.message));
    await tick();
    release();
    expect(await Promise.all(results)).toEqual([1, 12, 'unlucky', 14]);
  });
});
