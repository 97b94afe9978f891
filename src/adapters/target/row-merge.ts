import type { LineSource } from './copy-text';
import type { Keyer } from './pk-order';

/**
 * Streaming merges of rows in primary-key order, in constant memory. A change line is
 * `U<tab><row>` (insert or update) or `D<tab><key fields>` (delete).
 */
const UPSERT = 0x55;
const DELETE = 0x44;
const U_PREFIX = Buffer.from('U\t');
const D_PREFIX = Buffer.from('D\t');
const TAB = Buffer.from('\t');
const BATCH = 2000;

/** Reads a LineSource one line at a time, checking that keys strictly increase. */
class Cursor {
  private batch: Buffer[] = [];
  private i = 0;
  private readonly it: AsyncIterator<Buffer[]>;
  line: Buffer | undefined;
  key: Buffer[] = [];
  private n = 0;

  constructor(
    source: LineSource,
    private readonly keyOf: (line: Buffer) => Buffer[],
    private readonly keyer: Keyer,
    private readonly what: string,
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Moves to the next line; returns a promise only when a new batch must be awaited. */
  next(): Promise<void> | undefined {
    if (this.i >= this.batch.length) return this.refill();
    this.advance();
    return undefined;
  }

  private async refill(): Promise<void> {
    while (this.i >= this.batch.length) {
      const r = await this.it.next();
      if (r.done) {
        this.line = undefined;
        return;
      }
      this.batch = r.value;
      this.i = 0;
    }
    this.advance();
  }

  private advance(): void {
    const prev = this.key;
    this.line = this.batch[this.i++]!;
    this.key = this.keyOf(this.line);
    this.n++;
    // The message names the row's position, not its key: keys may be personal data.
    if (prev.length && this.keyer.compare(prev, this.key) >= 0)
      throw new Error(
        `${this.what} is not in primary-key order at row ${this.n}: ` +
          'the backup cannot diff or merge this table',
      );
  }
}

/** The state after applying `changes` (one incremental) to `state` (rows). */
export async function* applyChanges(
  state: LineSource,
  changes: LineSource,
  keyer: Keyer,
  what: string,
): LineSource {
  const s = new Cursor(state, (l) => keyer.ofRow(l), keyer, `${what} (rows)`);
  const c = new Cursor(changes, (l) => changeKey(keyer, l), keyer, `${what} (changes)`);
  let out: Buffer[] = [];
  for (let moveS = true, moveC = true; ;) {
    // Awaited only when a cursor's batch is used up: most rows pass without a microtask.
    const waitS = moveS ? s.next() : undefined;
    if (waitS) await waitS;
    const waitC = moveC ? c.next() : undefined;
    if (waitC) await waitC;
    if (!s.line && !c.line) break;
    const order = !c.line ? -1 : !s.line ? 1 : keyer.compare(s.key, c.key);
    if (order < 0) out.push(s.line!);
    else if (c.line![0] === UPSERT) out.push(c.line!.subarray(2));
    else if (order > 0)
      throw new Error(`${what}: a change deletes a key the rows lack (chain out of step)`);
    moveS = order <= 0;
    moveC = order >= 0;
    if (out.length >= BATCH) {
      yield out;
      out = [];
    }
  }
  if (out.length) yield out;
}

function changeKey(keyer: Keyer, line: Buffer): Buffer[] {
  const body = line.subarray(2);
  if (line[0] === UPSERT) return keyer.ofRow(body);
  if (line[0] === DELETE) return keyer.ofDelete(body);
  throw new Error(`not a change line: ${line.subarray(0, 20).toString()}`);
}

/** Taps each merge can feed (digests of the two sides). */
export interface DiffTaps {
  parent(line: Buffer): void;
  current(line: Buffer): void;
  counts: { upserts: number; deletes: number };
}

/** The change lines turning `parent` (rows at the parent backup) into `current` (rows now). */
export async function* diffRows(
  parent: LineSource,
  current: LineSource,
  keyer: Keyer,
  taps: DiffTaps,
  what: string,
): LineSource {
  const p = new Cursor(parent, (l) => keyer.ofRow(l), keyer, `${what} (parent backup)`);
  const q = new Cursor(current, (l) => keyer.ofRow(l), keyer, `${what} (live rows)`);
  let out: Buffer[] = [];
  for (let moveP = true, moveQ = true; ;) {
    const waitP = moveP ? p.next() : undefined;
    if (waitP) await waitP;
    const waitQ = moveQ ? q.next() : undefined;
    if (waitQ) await waitQ;
    if (!p.line && !q.line) break;
    const order = !q.line ? -1 : !p.line ? 1 : keyer.compare(p.key, q.key);
    if (order <= 0) taps.parent(p.line!);
    if (order >= 0) taps.current(q.line!);
    if (order < 0) {
      out.push(deleteLine(p.key));
      taps.counts.deletes++;
    } else if (order > 0 || !p.line!.equals(q.line!)) {
      out.push(Buffer.concat([U_PREFIX, q.line!]));
      taps.counts.upserts++;
    }
    moveP = order <= 0;
    moveQ = order >= 0;
    if (out.length >= BATCH) {
      yield out;
      out = [];
    }
  }
  if (out.length) yield out;
}

function deleteLine(key: Buffer[]): Buffer {
  const parts: Buffer[] = [D_PREFIX];
  key.forEach((k, i) => parts.push(...(i ? [TAB, k] : [k])));
  return Buffer.concat(parts);
}
