import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TargetFixture } from './target-fixture';

/** The demo schema's first migration: a column with a default, an index, a new table, a type change. */
export const ORDER_PRIORITY = `-- Orders get a priority (0 for the existing ones) and an index to list them by it;
-- notes on orders live in a new table; countries become varchar(8).
ALTER TABLE orders ADD COLUMN priority integer NOT NULL DEFAULT 0;
CREATE INDEX orders_priority_idx ON orders (priority, placed_at);
ALTER TABLE customers ALTER COLUMN country TYPE varchar(8);
CREATE TABLE order_notes (
  id bigserial PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  body text NOT NULL
);
-- check: SELECT count(*) = 0 FROM orders WHERE priority <> 0
-- check: SELECT id FROM customers WHERE length(country) > 2
`;

/** Its successor, whose check fails on the demo data (orders has rows). */
export const ARCHIVED = `ALTER TABLE orders ADD COLUMN archived boolean NOT NULL DEFAULT false;
-- check: SELECT count(*) = 0 FROM orders
`;

/** A folder of migration files (name → SQL) under a fresh temp folder. */
export async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(tmpdir(), 'tenant-migrations-')), 'm');
  await mkdir(dir);
  for (const [name, sql] of Object.entries(files)) await writeFile(path.join(dir, name), sql);
  return dir;
}

/** Capture triggers left on any schema of the target. */
export async function captureTriggersLeft(f: TargetFixture): Promise<string[]> {
  const rows = await f.sql<{ t: string }>(
    `SELECT n.nspname || '.' || c.relname || ':' || t.tgname AS t FROM pg_trigger t
     JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE t.tgname LIKE 'tenantops_capture_%' ORDER BY 1`,
  );
  return rows.map((r) => r.t);
}

export async function routingOf(
  f: TargetFixture,
  tenant: string,
): Promise<{ schema_name: string; version: number }> {
  const [row] = await f.sql<{ schema_name: string; version: number }>(
    `SELECT schema_name, version FROM tenantops_control.tenant_routing WHERE tenant_id = $1`,
    [tenant],
  );
  return row!;
}

/**
 * Rows of `from.table` missing from `to.table`, comparing `columns` as text (types may differ
 * between the schemas).
 */
export async function rowsMissing(
  f: TargetFixture,
  from: string,
  to: string,
  table: string,
  columns: string[],
): Promise<number> {
  const cols = columns.map((c) => `"${c}"::text`).join(', ');
  const [row] = await f.sql<{ n: string }>(
    `SELECT count(*)::text AS n FROM (SELECT ${cols} FROM "${from}"."${table}"
     EXCEPT ALL SELECT ${cols} FROM "${to}"."${table}") x`,
  );
  return Number(row!.n);
}

/** Data columns of a table (generated ones left out). */
export async function columnsOf(
  f: TargetFixture,
  schema: string,
  table: string,
): Promise<string[]> {
  const rows = await f.sql<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = ($1 || '.' || $2)::regclass
     AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
    [`"${schema}"`, `"${table}"`],
  );
  return rows.map((r) => r.name);
}
