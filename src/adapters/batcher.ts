interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(err: unknown): void;
}

/**
 * Natural batching: an item submitted while fewer than `concurrency` batches are in flight goes
 * at once (no added latency when idle); under load, items that arrive meanwhile go together in
 * the next batch. A failed batch is retried item by item, so one bad item fails only itself.
 */
export class Batcher<I, O> {
  private readonly waiting: Waiting<I, O>[] = [];
  private inFlight = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly opts: {
      maxBatch: number;
      concurrency: number;
      /** Size of an item (bytes, say): a batch stops growing at `maxWeight` (never empty). */
      weigh?: (item: I) => number;
      maxWeight?: number;
      /**
       * Hold a batch open this long for more items (a full batch goes at once): fewer, larger
       * writes where each write costs more than the wait (a queue add after Slack's ack).
       */
      lingerMs?: number;
      /**
       * Hold a batch open this long for more items while another batch is in flight (when none
       * is, it goes at once): under load, items trickling in after a batch's answers went out
       * go together instead of each taking a flight of its own.
       */
      busyLingerMs?: number;
    },
  ) {}

  private lingering: NodeJS.Timeout | undefined;
  private readonly flights = new Set<Promise<void>>();

  /** Sends what lingers now and waits for every batch in flight (before a shutdown). */
  async settle(): Promise<void> {
    while (this.waiting.length > 0 || this.flights.size > 0) {
      this.drain();
      await Promise.all(this.flights);
    }
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    const { maxBatch } = this.opts;
    const lingerMs =
      this.inFlight > 0
        ? Math.max(this.opts.busyLingerMs ?? 0, this.opts.lingerMs ?? 0)
        : (this.opts.lingerMs ?? 0);
    if (lingerMs > 0 && this.waiting.length > 0 && this.waiting.length < maxBatch) {
      this.lingering ??= setTimeout(() => {
        this.lingering = undefined;
        this.drain();
      }, lingerMs);
      return;
    }
    this.drain();
  }

  private drain(): void {
    if (this.lingering) clearTimeout(this.lingering);
    this.lingering = undefined;
    while (this.inFlight < this.opts.concurrency && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.fits());
      this.inFlight += 1;
      const flight = this.flush(batch).finally(() => {
        this.inFlight -= 1;
        this.flights.delete(flight);
        // What arrived during the flight has waited already: it goes now, lingering or not.
        this.drain();
      });
      this.flights.add(flight);
    }
  }

  /** How many waiting items the next batch takes. */
  private fits(): number {
    const { weigh, maxWeight = Infinity, maxBatch } = this.opts;
    if (!weigh) return maxBatch;
    let n = 0;
    let weight = 0;
    for (const w of this.waiting) {
      weight += weigh(w.item);
      if (n >= maxBatch || (n > 0 && weight > maxWeight)) break;
      n += 1;
    }
    return n;
  }

  private async flush(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const out = await this.run(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(out[i] as O));
    } catch (err) {
      if (batch.length === 1) return batch[0]?.reject(err);
      for (const w of batch) {
        await this.run([w.item]).then(
          (out) => w.resolve(out[0] as O),
          (e: unknown) => w.reject(e),
        );
      }
    }
  }
}
