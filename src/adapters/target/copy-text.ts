import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * COPY text format: one row per line (newlines inside values are written `\n`), fields split by
 * tab, `\N` for NULL, backslash escapes. Lines here are Buffers without their `\n`.
 */
const NL = 0x0a;
const TAB = 0x09;
const BACKSLASH = 0x5c;

/** Batches of lines: the unit the merges pass around (one await per batch, not per row). */
export type LineSource = AsyncIterable<Buffer[]>;

/** Splits a byte stream into line batches. */
export async function* linesOf(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  what: string,
): LineSource {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    const lines: Buffer[] = [];
    let start = 0;
    for (let nl = buf.indexOf(NL, start); nl !== -1; nl = buf.indexOf(NL, start)) {
      lines.push(buf.subarray(start, nl));
      start = nl + 1;
    }
    // Copy the tail so the big chunk it came from can be freed.
    rest = Buffer.from(buf.subarray(start));
    if (lines.length) yield lines;
  }
  if (rest.length) throw new Error(`${what} ends in the middle of a row`);
}

/** Line batches back into bytes, each line ended by `\n`. */
export async function* bytesOf(lines: LineSource): AsyncGenerator<Buffer> {
  for await (const batch of lines) {
    const parts: Buffer[] = [];
    for (const line of batch) parts.push(line, NEWLINE);
    yield Buffer.concat(parts);
  }
}

const NEWLINE = Buffer.from('\n');

/** The raw (still escaped) fields at `positions` of a line; `last` is their largest position. */
export function fieldsAt(line: Buffer, positions: readonly number[], last: number): Buffer[] {
  const out: Buffer[] = new Array<Buffer>(positions.length);
  let start = 0;
  for (let field = 0; field <= last; field++) {
    let end = line.indexOf(TAB, start);
    if (end === -1) end = line.length;
    for (let i = 0; i < positions.length; i++)
      if (positions[i] === field) out[i] = line.subarray(start, end);
    start = end + 1;
  }
  return out;
}

/** All raw fields of a line. */
export function splitFields(line: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let tab = line.indexOf(TAB, start); tab !== -1; tab = line.indexOf(TAB, start)) {
    out.push(line.subarray(start, tab));
    start = tab + 1;
  }
  out.push(line.subarray(start));
  return out;
}

const SIMPLE_ESCAPES: Record<number, number> = {
  0x62: 0x08, // \b
  0x66: 0x0c, // \f
  0x6e: 0x0a, // \n
  0x72: 0x0d, // \r
  0x74: 0x09, // \t
  0x76: 0x0b, // \v
};

/** A field's value bytes (escapes resolved), or null for `\N`. */
export function unescapeField(field: Buffer): Buffer | null {
  if (field.length === 2 && field[0] === BACKSLASH && field[1] === 0x4e) return null;
  if (field.indexOf(BACKSLASH) === -1) return field;
  const out: number[] = [];
  for (let i = 0; i < field.length; i++) {
    const b = field[i]!;
    if (b !== BACKSLASH || i + 1 >= field.length) {
      out.push(b);
      continue;
    }
    const n = field[++i]!;
    if (SIMPLE_ESCAPES[n] !== undefined) out.push(SIMPLE_ESCAPES[n]);
    else if (n >= 0x30 && n <= 0x37) {
      let v = n - 0x30;
      for (
        let k = 0;
        k < 2 && i + 1 < field.length && field[i + 1]! >= 0x30 && field[i + 1]! <= 0x37;
        k++
      )
        v = v * 8 + (field[++i]! - 0x30);
      out.push(v & 0xff);
    } else if (n === 0x78 && i + 1 < field.length && isHex(field[i + 1]!)) {
      let v = hexValue(field[++i]!);
      if (i + 1 < field.length && isHex(field[i + 1]!)) v = v * 16 + hexValue(field[++i]!);
      out.push(v);
    } else out.push(n);
  }
  return Buffer.from(out);
}

function isHex(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

function hexValue(b: number): number {
  return b <= 0x39 ? b - 0x30 : (b & 0xdf) - 0x41 + 10;
}

/** Row count and SHA-256 of a table's COPY text, as the catalog records them. */
export class RowDigest {
  private readonly hash: Hash = createHash('sha256');
  rows = 0;

  update(chunk: Buffer): void {
    this.hash.update(chunk);
    for (let i = chunk.indexOf(NL); i !== -1; i = chunk.indexOf(NL, i + 1)) this.rows++;
  }

  private pending: Buffer[] = [];

  /** One row (a line without its `\n`); hashed in batches, one update per thousand rows. */
  updateLine(line: Buffer): void {
    this.pending.push(line, NEWLINE);
    this.rows++;
    if (this.pending.length >= 2000) this.flush();
  }

  private flush(): void {
    if (this.pending.length) this.hash.update(Buffer.concat(this.pending));
    this.pending = [];
  }

  digest(): string {
    this.flush();
    return this.hash.digest('hex');
  }
}

/** A pass-through that digests what flows by. */
export function digestTap(digest: RowDigest): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      digest.update(chunk);
      cb(null, chunk);
    },
  });
}
