import type { PoolClient } from 'pg';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { linesOf, splitFields, unescapeField } from './copy-text';
import { dataColumns, type TableDef } from './structure';
import { quoteIdent } from './target-db';

/** A table's rows in primary-key order (text keys bytewise, so Node can merge them). */
export function selectRows(schema: string, t: TableDef): string {
  const cols = dataColumns(t).map((c) => quoteIdent(c.name));
  const order = (t.primaryKey?.columns ?? []).map((name, i) =>
    t.primaryKey!.kinds[i] === 'text' ? `${quoteIdent(name)} COLLATE "C"` : quoteIdent(name),
  );
  return (
    `SELECT ${cols.join(', ')} FROM ${quoteIdent(schema)}.${quoteIdent(t.name)}` +
    (order.length ? ` ORDER BY ${order.join(', ')}` : '')
  );
}

/** The rows as COPY text, straight from the server. */
export function copyOut(c: PoolClient, schema: string, t: TableDef): Readable {
  return c.query(copyTo(`COPY (${selectRows(schema, t)}) TO STDOUT`));
}

/**
 * Loads COPY text into `schema.t`, which this transaction created or truncated (so FREEZE
 * applies). PGlite over a socket can't take COPY FROM STDIN (electric-sql/pglite#1028), so
 * there the rows go in as batched INSERTs of text values cast to the column types.
 */
export async function copyIn(
  c: PoolClient,
  pglite: boolean,
  schema: string,
  t: TableDef,
  source: AsyncIterable<Buffer>,
): Promise<void> {
  const cols = dataColumns(t).map((col) => quoteIdent(col.name));
  const table = `${quoteIdent(schema)}.${quoteIdent(t.name)}`;
  if (!pglite) {
    await pipeline(
      Readable.from(source),
      c.query(copyFrom(`COPY ${table} (${cols.join(', ')}) FROM STDIN WITH (FREEZE)`)),
    );
    return;
  }
  await insertBatches(c, table, t, source);
}

const INSERT_BATCH = 500;

async function insertBatches(
  c: PoolClient,
  table: string,
  t: TableDef,
  source: AsyncIterable<Buffer>,
): Promise<void> {
  const cols = dataColumns(t);
  const overriding = cols.some((col) => col.identity === 'a') ? ' OVERRIDING SYSTEM VALUE' : '';
  const sql =
    `INSERT INTO ${table} (${cols.map((col) => quoteIdent(col.name)).join(', ')})${overriding} ` +
    `SELECT ${cols.map((col, i) => `CAST(u.c${i} AS ${col.type})`).join(', ')} ` +
    `FROM unnest(${cols.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS u(${cols.map((_, i) => `c${i}`).join(', ')})`;
  let values: (string | null)[][] = cols.map(() => []);
  let n = 0;
  const flush = async () => {
    if (n > 0) await c.query(sql, values);
    values = cols.map(() => []);
    n = 0;
  };
  for await (const batch of linesOf(source, `rows of ${t.name}`)) {
    for (const line of batch) {
      const fields = splitFields(line);
      if (fields.length !== cols.length)
        throw new Error(`a row of ${t.name} has ${fields.length} fields, not ${cols.length}`);
      fields.forEach((f, i) => values[i]!.push(unescapeField(f)?.toString('utf8') ?? null));
      if (++n >= INSERT_BATCH) await flush();
    }
  }
  await flush();
}
