import type { PoolClient } from 'pg';
import { parseForeignKeyDef } from '../../domain/target/foreign-key-def';
import type { AmcheckStatus, IndexCheck, OrphanCheck } from '../../domain/target/integrity';
import type { SchemaStructure } from './structure';
import { quoteIdent } from './target-db';

interface ForeignKey {
  table: string;
  constraint: string;
  columns: string[];
  refSchema: string;
  refTable: string;
  refColumns: string[];
  source: OrphanCheck['source'];
}

/** The schema's foreign keys now (valid or NOT VALID), plus the backup's that are gone. */
async function foreignKeys(
  c: PoolClient,
  schema: string,
  structure: SchemaStructure | null,
): Promise<ForeignKey[]> {
  const { rows } = await c.query<Omit<ForeignKey, 'source'> & { valid: boolean }>(
    `SELECT t.relname AS table, k.conname AS constraint, k.convalidated AS valid,
            ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
                  JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i) AS columns,
            rn.nspname AS "refSchema", r.relname AS "refTable",
            ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
                  JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i) AS "refColumns"
     FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
     JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
     WHERE k.contype = 'f' AND t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
     ORDER BY 1, 2`,
    [schema],
  );
  const live: ForeignKey[] = rows.map(({ valid, ...fk }) => ({
    ...fk,
    source: valid ? 'valid' : 'not_valid',
  }));
  for (const t of structure?.tables ?? [])
    for (const k of t.constraints.filter((x) => x.type === 'f')) {
      if (live.some((x) => x.table === t.name && x.constraint === k.name)) continue;
      const def = parseForeignKeyDef(k.def);
      if (!def) continue;
      live.push({
        table: t.name,
        constraint: k.name,
        columns: def.columns,
        refSchema: def.refSchema ?? schema,
        refTable: def.refTable,
        refColumns: def.refColumns,
        source: 'backup_only',
      });
    }
  return live;
}

/**
 * Rows whose foreign key is set but names no row of the referenced table: a real scan, whatever
 * the constraint's state (NOT VALID, dropped, or bypassed by disabled triggers or replication).
 */
export async function orphanChecks(
  c: PoolClient,
  schema: string,
  structure: SchemaStructure | null,
  tables: ReadonlySet<string>,
): Promise<OrphanCheck[]> {
  const out: OrphanCheck[] = [];
  for (const fk of (await foreignKeys(c, schema, structure)).filter((k) => tables.has(k.table))) {
    const child = `${quoteIdent(schema)}.${quoteIdent(fk.table)}`;
    const parent = `${quoteIdent(fk.refSchema)}.${quoteIdent(fk.refTable)}`;
    const set = fk.columns.map((col) => `c.${quoteIdent(col)} IS NOT NULL`).join(' AND ');
    const match = fk.columns
      .map((col, i) => `p.${quoteIdent(fk.refColumns[i]!)} = c.${quoteIdent(col)}`)
      .join(' AND ');
    const check: OrphanCheck = {
      table: fk.table,
      constraint: fk.constraint,
      columns: fk.columns,
      references: `${fk.refSchema}.${fk.refTable}(${fk.refColumns.join(', ')})`,
      source: fk.source,
      orphans: null,
    };
    await c.query('SAVEPOINT orphan_scan');
    try {
      const { rows } = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${child} c WHERE ${set}
         AND NOT EXISTS (SELECT 1 FROM ${parent} p WHERE ${match})`,
      );
      check.orphans = rows[0]?.n ?? 0;
      await c.query('RELEASE SAVEPOINT orphan_scan');
    } catch (err) {
      await c.query('ROLLBACK TO SAVEPOINT orphan_scan');
      check.error = (err as Error).message;
    }
    out.push(check);
  }
  return out;
}

/** Whether amcheck can run here: installed, installable, or not shipped with the server. */
export async function amcheckState(c: PoolClient): Promise<AmcheckStatus | null> {
  const { rows } = await c.query<{ installed: boolean | null }>(
    `SELECT (SELECT true FROM pg_extension WHERE extname = 'amcheck') AS installed
     FROM pg_available_extensions WHERE name = 'amcheck'`,
  );
  if (rows.length === 0) return { status: 'unavailable' };
  if (!rows[0]!.installed) return { status: 'not_installed' };
  return null;
}

/**
 * bt_index_check(index, heapallindexed => true) on each valid B-tree index of the tables: the
 * index's order, and every heap row present in it. Reads only (AccessShareLock), but scans each
 * table once per index.
 */
export async function indexChecks(
  c: PoolClient,
  schema: string,
  tables: ReadonlySet<string>,
): Promise<{ amcheck: AmcheckStatus; indexes: IndexCheck[] }> {
  const state = await amcheckState(c);
  if (state) return { amcheck: state, indexes: [] };
  const { rows } = await c.query<{ oid: number; index: string; table: string }>(
    `SELECT i.indexrelid::int AS oid, ic.relname AS index, t.relname AS table
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
     JOIN pg_am am ON am.oid = ic.relam
     WHERE t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
       AND am.amname = 'btree' AND i.indisvalid AND i.indisready AND t.relpersistence <> 't'
     ORDER BY t.relname, ic.relname`,
    [schema],
  );
  const indexes: IndexCheck[] = [];
  for (const r of rows.filter((x) => tables.has(x.table))) {
    await c.query('SAVEPOINT amcheck');
    try {
      await c.query('SELECT bt_index_check($1::oid::regclass, true)', [r.oid]);
      await c.query('RELEASE SAVEPOINT amcheck');
      indexes.push({ index: r.index, table: r.table, ok: true });
    } catch (err) {
      await c.query('ROLLBACK TO SAVEPOINT amcheck');
      const e = err as { code?: string; message: string };
      if (e.code === '42501')
        return { amcheck: { status: 'no_permission', message: e.message }, indexes: [] };
      indexes.push({ index: r.index, table: r.table, ok: false, error: e.message });
    }
  }
  return { amcheck: { status: 'checked', indexes: indexes.length }, indexes };
}
