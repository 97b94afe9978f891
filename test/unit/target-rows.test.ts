import {
  linesOf,
  RowDigest,
  splitFields,
  unescapeField,
} from '../../src/adapters/target/copy-text';
import { compareKeys, Keyer } from '../../src/adapters/target/pk-order';
import { applyChanges, diffRows } from '../../src/adapters/target/row-merge';
import type { KeyKind } from '../../src/adapters/target/structure';

const b = (s: string) => Buffer.from(s);

function source(lines: string[]): Buffer[] {
  // Chunks that cut rows in the middle, as COPY streams do.
  const text = lines.map((l) => `${l}\n`).join('');
  const chunks: Buffer[] = [];
  for (let i = 0; i < text.length; i += 7) chunks.push(b(text.slice(i, i + 7)));
  return chunks;
}

async function collect(lines: AsyncIterable<Buffer[]>): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of lines) out.push(...batch.map((l) => l.toString()));
  return out;
}

/** A small deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('COPY text fields', () => {
  it('resolves escapes and \\N', () => {
    expect(unescapeField(b('\\N'))).toBeNull();
    expect(unescapeField(b('a\\tb\\nc\\\\d'))?.toString()).toBe('a\tb\nc\\d');
    expect(unescapeField(b('\\101\\x42'))?.toString()).toBe('AB');
    expect(splitFields(b('1\t\\N\tx')).map((f) => f.toString())).toEqual(['1', '\\N', 'x']);
  });
});

describe('primary-key order', () => {
  const cmp = (kinds: KeyKind[], a: string[], c: string[]) =>
    Math.sign(compareKeys(a.map(b), c.map(b), kinds));

  it('orders integers by value, text bytewise after unescaping, uuids by text', () => {
    expect(cmp(['int'], ['9'], ['10'])).toBe(-1);
    expect(cmp(['int'], ['-10'], ['-9'])).toBe(-1);
    expect(cmp(['int'], ['-1'], ['0'])).toBe(-1);
    expect(cmp(['int'], ['9223372036854775807'], ['9223372036854775806'])).toBe(1);
    expect(cmp(['text'], ['B'], ['a'])).toBe(-1);
    expect(cmp(['text'], ['a\\tb'], ['a b'])).toBe(-1); // tab (0x09) sorts before space
    expect(cmp(['text'], ['ab'], ['a'])).toBe(1);
    expect(cmp(['int', 'text'], ['1', 'z'], ['2', 'a'])).toBe(-1);
    expect(
      cmp(
        ['uuid'],
        ['0f000000-0000-0000-0000-000000000000'],
        ['a0000000-0000-0000-0000-000000000000'],
      ),
    ).toBe(-1);
  });
});

describe('keyed diff and merge', () => {
  function table(rand: () => number, n: number): Map<number, string> {
    const rows = new Map<number, string>();
    for (let i = 0; i < n; i++) {
      const id = Math.floor(rand() * 5000) - 500;
      rows.set(id, `${id}\tv${Math.floor(rand() * 3)}\t${rand() < 0.1 ? '\\N' : 'x\\ty'}`);
    }
    return rows;
  }
  const sorted = (rows: Map<number, string>) =>
    [...rows.entries()].sort((x, y) => x[0] - y[0]).map(([, l]) => l);

  it.each([1, 2, 3, 4, 5])(
    'rebuilds the current rows from parent + diff (seed %i)',
    async (seed) => {
      const rand = random(seed);
      const parent = table(rand, 800);
      const current = new Map(parent);
      for (const id of [...current.keys()]) {
        const r = rand();
        if (r < 0.1) current.delete(id);
        else if (r < 0.2) current.set(id, `${id}\tchanged\t\\N`);
      }
      for (const [id, line] of table(rand, 100)) current.set(id, line);
      const keyer = new Keyer([0], ['int']);
      const before = new RowDigest();
      const after = new RowDigest();
      const counts = { upserts: 0, deletes: 0 };
      const taps = {
        parent: (l: Buffer) => before.updateLine(l),
        current: (l: Buffer) => after.updateLine(l),
        counts,
      };
      const changes = await collect(
        diffRows(
          linesOf(source(sorted(parent)), 'p'),
          linesOf(source(sorted(current)), 'c'),
          keyer,
          taps,
          't',
        ),
      );
      expect(counts.deletes).toBe([...parent.keys()].filter((k) => !current.has(k)).length);
      expect(counts.upserts).toBe([...current].filter(([k, l]) => parent.get(k) !== l).length);
      expect(before.rows).toBe(parent.size);
      expect(after.rows).toBe(current.size);
      const rebuilt = await collect(
        applyChanges(
          linesOf(source(sorted(parent)), 'p'),
          linesOf(source(changes), 'c'),
          keyer,
          't',
        ),
      );
      expect(rebuilt).toEqual(sorted(current));
    },
  );

  it('refuses rows out of key order instead of writing a wrong diff', async () => {
    const keyer = new Keyer([0], ['int']);
    const taps = {
      parent: () => undefined,
      current: () => undefined,
      counts: { upserts: 0, deletes: 0 },
    };
    await expect(
      collect(
        diffRows(
          linesOf(source(['1\ta', '3\tb']), 'p'),
          linesOf(source(['2\ta', '1\tb']), 'c'),
          keyer,
          taps,
          'table t',
        ),
      ),
    ).rejects.toThrow('table t (live rows) is not in primary-key order at row 2');
  });
});
