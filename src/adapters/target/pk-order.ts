import { fieldsAt, unescapeField } from './copy-text';
import type { KeyKind } from './structure';

const MINUS = 0x2d;
const BACKSLASH = 0x5c;

/**
 * Primary-key order as Postgres sorts it, reproduced on COPY text fields: integers by value,
 * uuids by their canonical text, text and varchar bytewise (the backup orders them `COLLATE "C"`).
 * Tables with other key types are never merged in Node (incrementals carry them whole).
 */
export function compareKeys(
  a: readonly Buffer[],
  b: readonly Buffer[],
  kinds: readonly KeyKind[],
): number {
  for (let i = 0; i < kinds.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const c =
      kinds[i] === 'int'
        ? compareInt(x, y)
        : kinds[i] === 'text'
          ? compareText(x, y)
          : x.compare(y);
    if (c !== 0) return c;
  }
  return 0;
}

/** Integers as COPY prints them (optional minus, no leading zeros). */
function compareInt(a: Buffer, b: Buffer): number {
  const negA = a[0] === MINUS;
  const negB = b[0] === MINUS;
  if (negA !== negB) return negA ? -1 : 1;
  const mag = a.length !== b.length ? a.length - b.length : bytes(a, b);
  const sign = mag < 0 ? -1 : mag > 0 ? 1 : 0;
  return negA ? -sign : sign;
}

function compareText(a: Buffer, b: Buffer): number {
  if (a.indexOf(BACKSLASH) === -1 && b.indexOf(BACKSLASH) === -1) return bytes(a, b);
  return bytes(unescapeField(a) ?? Buffer.alloc(0), unescapeField(b) ?? Buffer.alloc(0));
}

/** memcmp order. A loop in JS: keys are short, and Buffer#compare costs a native call each. */
function bytes(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** How to find and compare a table's key in its rows and in change lines. */
export class Keyer {
  /** Key positions in a delete line (the key fields only). */
  private readonly deletePositions: number[];
  private readonly last: number;

  constructor(
    readonly positions: readonly number[],
    readonly kinds: readonly KeyKind[],
  ) {
    this.deletePositions = positions.map((_, i) => i);
    this.last = Math.max(...positions);
  }

  ofRow(line: Buffer): Buffer[] {
    return fieldsAt(line, this.positions, this.last);
  }

  ofDelete(fields: Buffer): Buffer[] {
    return fieldsAt(fields, this.deletePositions, this.positions.length - 1);
  }

  compare(a: readonly Buffer[], b: readonly Buffer[]): number {
    return compareKeys(a, b, this.kinds);
  }
}
