import type { PoolClient } from 'pg';
import { assertSchemaName } from '../../domain/backups/tenant-schema';
import { DomainError } from '../../domain/errors';
import type { TablePutBackResult, TableReplaceResult } from '../../ports/target-system';
import { liveSchemaOf, schemaExists } from './control-schema';
import { markSchema, SCHEMA_MARK } from './routing';
import { quoteIdent, type TargetDb } from './target-db';
import { assertTenantId } from './tenant-input';

/** What the kept schema's comment says after `replaceTables`: the marker a retry finds. */
const KEPT = 'rows kept before a table restore';

interface ForeignKey {
  name: string;
  childSchema: string;
  child: string;
  parentSchema: string;
  parent: string;
  childCols: string[];
  parentCols: string[];
}

const q = quoteIdent;
const rel = (schema: string, table: string) => `${q(schema)}.${q(table)}`;

/** Runs `fn` in one transaction; a foreign key violation comes out naming its constraint. */
function inTx<T>(db: TargetDb, tenant: string, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  return db
    .tx(async (c) => {
      // Holds swaps and other table restores of the tenant off until this commits.
      await c.query(`SELECT pg_advisory_xact_lock(hashtext('tenantops:routing:' || $1))`, [tenant]);
      return fn(c);
    })
    .catch((err: unknown) => {
      const e = err as { code?: string; constraint?: string; table?: string; detail?: string };
      if (e.code !== '23503') throw err;
      throw new DomainError(
        'restore_fk_violation',
        `foreign key ${e.constraint ?? '?'} of ${e.table ?? '?'} would be violated (${e.detail ?? 'no detail'}): nothing was changed`,
      );
    });
}

/**
 * Replaces the rows of `tables` in the tenant's live schema with those of `from` (a restored,
 * validated schema), in one transaction: the live rows are first copied into `keep` (marked, so
 * a retry sees the work was done and `putBackTables` can undo it), foreign keys of other tables
 * are checked against the rows the restore would leave before anything changes, rows are
 * matched by primary key (only differing rows are written), sequences are set past the max ids.
 */
export async function replaceTables(
  db: TargetDb,
  pattern: string,
  tenant: string,
  from: string,
  tables: readonly string[],
  keep: string,
): Promise<TableReplaceResult> {
  assertTenantId(tenant);
  assertSchemaName(from);
  assertSchemaName(keep);
  return inTx(db, tenant, async (c) => {
    const { schema: live } = await liveSchemaOf(c, pattern, tenant);
    if (keep === live || from === live)
      throw new DomainError('invalid_schema_name', `${keep} / ${from} is the live schema`);
    const note = await commentOf(c, keep);
    if (note !== undefined) {
      if (!note?.startsWith(`${SCHEMA_MARK}${tenant}: ${KEPT}`))
        throw new DomainError(
          'schema_exists',
          `schema ${keep} already exists and was not made by a table restore of ${tenant}: nothing was changed`,
        );
      return { tenant, schema: live, kept: keep, tables: [], changed: false };
    }
    if (!(await schemaExists(c, from)))
      throw new DomainError('schema_missing', `the restored schema ${from} does not exist`);
    const cols = await checkShapes(c, live, from, tables);
    const fks = await foreignKeysOf(c, live, tables);
    await checkForeignKeys(c, live, from, tables, fks);
    await c.query(`CREATE SCHEMA ${q(keep)}`);
    await markSchema(c, keep, tenant, `${KEPT} of ${tables.join(', ')} from ${from}`);
    // Generated columns are left out: they are computed again when the rows are put back.
    for (const t of tables)
      await c.query(
        `CREATE TABLE ${rel(keep, t)} AS SELECT ${cols.get(t)!.columns.map(q).join(', ')} FROM ${rel(live, t)}`,
      );
    const counts = await mergeAll(c, live, from, order(tables, fks, live), cols);
    await c.query('SET CONSTRAINTS ALL IMMEDIATE');
    return { tenant, schema: live, kept: keep, tables: counts, changed: true };
  });
}

/**
 * Puts the rows kept by `replaceTables` back into the live schema (same checks, one
 * transaction) and drops the kept schema. Without it (already put back): nothing to do.
 */
export async function putBackTables(
  db: TargetDb,
  pattern: string,
  tenant: string,
  keep: string,
): Promise<TablePutBackResult> {
  assertTenantId(tenant);
  assertSchemaName(keep);
  return inTx(db, tenant, async (c) => {
    const { schema: live } = await liveSchemaOf(c, pattern, tenant);
    const note = await commentOf(c, keep);
    if (note === undefined) return { schema: live, kept: keep, tables: [], changed: false };
    if (!note?.startsWith(`${SCHEMA_MARK}${tenant}: ${KEPT}`))
      throw new DomainError(
        'schema_not_ours',
        `schema ${keep} was not made by a table restore of ${tenant}: nothing was put back`,
      );
    const { rows } = await c.query<{ name: string }>(
      `SELECT relname AS name FROM pg_class
       WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND relkind = 'r'
       ORDER BY relname`,
      [keep],
    );
    const tables = rows.map((r) => r.name);
    const cols = await checkShapes(c, live, keep, tables);
    const fks = await foreignKeysOf(c, live, tables);
    await checkForeignKeys(c, live, keep, tables, fks);
    await mergeAll(c, live, keep, order(tables, fks, live), cols);
    await c.query('SET CONSTRAINTS ALL IMMEDIATE');
    await c.query(`DROP SCHEMA ${q(keep)} CASCADE`);
    return { schema: live, kept: keep, tables, changed: true };
  });
}

/** The schema's comment; undefined when there is no such schema, null when it has none. */
async function commentOf(c: PoolClient, schema: string): Promise<string | null | undefined> {
  const { rows } = await c.query<{ note: string | null }>(
    `SELECT obj_description(oid, 'pg_namespace') AS note FROM pg_namespace WHERE nspname = $1`,
    [schema],
  );
  return rows[0] ? rows[0].note : undefined;
}

interface Column {
  name: string;
  type: number;
  /** format_type(): schema-qualified where the search_path would not find it. */
  typeName: string;
}

async function columnsOf(c: PoolClient, schema: string, table: string): Promise<Column[] | null> {
  const { rows: found } = await c.query(
    `SELECT 1 FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = $1 AND t.relname = $2 AND t.relkind IN ('r', 'p')`,
    [schema, table],
  );
  if (found.length === 0) return null;
  const { rows } = await c.query<{ name: string; type: number; type_name: string }>(
    `SELECT a.attname::text AS name, a.atttypid::int AS type,
            format_type(a.atttypid, a.atttypmod) AS type_name
     FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = $1 AND t.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attgenerated = ''
     ORDER BY a.attnum`,
    [schema, table],
  );
  return rows.map((r) => ({ name: r.name, type: r.type, typeName: r.type_name }));
}

/**
 * A table's columns as they are copied: the live list, and for each the source expression
 * (`r.col`, cast through text to the live type where the restored schema has its own type,
 * e.g. an enum of that schema).
 */
interface Shape {
  columns: string[];
  source: Map<string, string>;
}

/** Each table in both schemas with the same (non-generated) columns. */
async function checkShapes(
  c: PoolClient,
  live: string,
  from: string,
  tables: readonly string[],
): Promise<Map<string, Shape>> {
  const out = new Map<string, Shape>();
  for (const t of tables) {
    const mine = await columnsOf(c, live, t);
    const theirs = await columnsOf(c, from, t);
    if (!mine || !theirs)
      throw new DomainError(
        'unknown_table',
        `table ${t} is not in ${mine ? from : live}: nothing was changed`,
      );
    const names = theirs.map((x) => x.name);
    const missing = mine.filter((x) => !names.includes(x.name)).map((x) => x.name);
    const extra = names.filter((x) => !mine.some((m) => m.name === x));
    if (missing.length || extra.length)
      throw new DomainError(
        'table_shape_differs',
        `table ${t} has different columns in ${live} and ${from} (${[...missing.map((x) => `only live: ${x}`), ...extra.map((x) => `only restored: ${x}`)].join(', ')}; migrated since the backup?): nothing was changed`,
      );
    const source = new Map<string, string>();
    for (const m of mine) {
      const other = theirs.find((x) => x.name === m.name)!;
      source.set(
        m.name,
        other.type === m.type ? `r.${q(m.name)}` : `r.${q(m.name)}::text::${m.typeName}`,
      );
    }
    out.set(t, { columns: mine.map((x) => x.name), source });
  }
  return out;
}

/** Foreign keys into or out of the listed tables of the live schema (from any schema). */
async function foreignKeysOf(
  c: PoolClient,
  live: string,
  tables: readonly string[],
): Promise<ForeignKey[]> {
  const { rows } = await c.query<{
    name: string;
    child_schema: string;
    child: string;
    parent_schema: string;
    parent: string;
    child_cols: string[];
    parent_cols: string[];
  }>(
    `SELECT k.conname AS name, cn.nspname AS child_schema, cc.relname AS child,
            pn.nspname AS parent_schema, pc.relname AS parent,
            (SELECT array_agg(a.attname::text ORDER BY x.i) FROM unnest(k.conkey) WITH ORDINALITY x(n, i)
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.n) AS child_cols,
            (SELECT array_agg(a.attname::text ORDER BY x.i) FROM unnest(k.confkey) WITH ORDINALITY x(n, i)
             JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = x.n) AS parent_cols
     FROM pg_constraint k
     JOIN pg_class cc ON cc.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
     JOIN pg_class pc ON pc.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
     WHERE k.contype = 'f'
       AND ((pn.nspname = $1 AND pc.relname = ANY($2)) OR (cn.nspname = $1 AND cc.relname = ANY($2)))
     ORDER BY k.conname`,
    [live, tables],
  );
  return rows.map((r) => ({
    name: r.name,
    childSchema: r.child_schema,
    child: r.child,
    parentSchema: r.parent_schema,
    parent: r.parent,
    childCols: r.child_cols,
    parentCols: r.parent_cols,
  }));
}

/**
 * The FK validation, before any row changes: for each key, the referencing rows as they will be
 * (the restored table's, or the live one's if it is not restored) against the referenced rows as
 * they will be. A row pointing at nothing fails the restore, naming the constraint.
 */
async function checkForeignKeys(
  c: PoolClient,
  live: string,
  from: string,
  tables: readonly string[],
  fks: ForeignKey[],
): Promise<void> {
  const after = (schema: string, table: string) =>
    schema === live && tables.includes(table) ? rel(from, table) : rel(schema, table);
  const problems: string[] = [];
  for (const k of fks) {
    const child = after(k.childSchema, k.child);
    const parent = after(k.parentSchema, k.parent);
    const same = await sameTypes(c, child, k.childCols, parent, k.parentCols);
    const eq = (p: string, r: string) => (same ? `${p} = ${r}` : `${p}::text = ${r}::text`);
    const sql = `SELECT count(*)::int AS n,
        (array_agg((${k.childCols.map((x) => `r.${q(x)}::text`).join(` || ',' || `)})))[1] AS sample
      FROM ${child} r
      WHERE ${k.childCols.map((x) => `r.${q(x)} IS NOT NULL`).join(' AND ')}
        AND NOT EXISTS (SELECT 1 FROM ${parent} p
                        WHERE ${k.childCols.map((x, i) => eq(`p.${q(k.parentCols[i]!)}`, `r.${q(x)}`)).join(' AND ')})`;
    const { rows } = await c.query<{ n: number; sample: string | null }>(sql);
    const n = rows[0]?.n ?? 0;
    if (n > 0)
      problems.push(
        `foreign key ${k.name} of ${k.childSchema}.${k.child}: ${n} row${n === 1 ? '' : 's'} would reference ${k.parent} rows that are not there after the restore (e.g. ${k.childCols.join(',')} = ${rows[0]?.sample ?? '?'})`,
      );
  }
  if (problems.length)
    throw new DomainError(
      'restore_fk_violation',
      `${problems.join('; ')}. Restore the referencing table${problems.length === 1 ? '' : 's'} too (tables=...), or fix those rows: nothing was changed`,
    );
}

/** Whether the key columns on both sides have the same types (else they are compared as text). */
async function sameTypes(
  c: PoolClient,
  child: string,
  childCols: string[],
  parent: string,
  parentCols: string[],
): Promise<boolean> {
  const { rows } = await c.query<{ same: boolean }>(
    `SELECT bool_and(a.atttypid = b.atttypid) AS same
     FROM unnest($3::text[], $4::text[]) AS x(cc, pc)
     JOIN pg_attribute a ON a.attrelid = $1::regclass AND a.attname = x.cc
     JOIN pg_attribute b ON b.attrelid = $2::regclass AND b.attname = x.pc`,
    [child, parent, childCols, parentCols],
  );
  return rows[0]?.same ?? false;
}

/** Referenced tables first (inserts), so rows that point at new rows find them. */
function order(tables: readonly string[], fks: ForeignKey[], live: string): string[] {
  const out: string[] = [];
  const visiting = new Set<string>();
  const visit = (t: string) => {
    if (out.includes(t) || visiting.has(t)) return;
    visiting.add(t);
    for (const k of fks)
      if (k.childSchema === live && k.child === t && k.parentSchema === live && k.parent !== t)
        if (tables.includes(k.parent)) visit(k.parent);
    out.push(t);
  };
  for (const t of tables) visit(t);
  return out;
}

async function primaryKeyOf(c: PoolClient, schema: string, table: string): Promise<string[]> {
  const { rows } = await c.query<{ name: string }>(
    `SELECT a.attname::text AS name FROM pg_index i
     JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey::int2[])
     WHERE n.nspname = $1 AND t.relname = $2 AND i.indisprimary
     ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [schema, table],
  );
  return rows.map((r) => r.name);
}

/** Upserts referenced tables first, then deletes referencing tables first; then sequences. */
async function mergeAll(
  c: PoolClient,
  live: string,
  from: string,
  tables: string[],
  shapes: Map<string, Shape>,
): Promise<TableReplaceResult['tables']> {
  const counts = new Map(tables.map((t) => [t, { name: t, deleted: 0, updated: 0, inserted: 0 }]));
  const keys = new Map<string, string[]>();
  for (const t of tables) keys.set(t, await primaryKeyOf(c, live, t));
  const L = (t: string) => rel(live, t);
  const F = (t: string) => rel(from, t);
  for (const t of tables) {
    const { columns, source } = shapes.get(t)!;
    const pk = keys.get(t)!;
    const n = counts.get(t)!;
    const list = columns.map(q).join(', ');
    const values = columns.map((x) => source.get(x)!).join(', ');
    if (pk.length === 0) {
      // No key to match rows by: the whole table is replaced.
      n.deleted = (await c.query(`DELETE FROM ${L(t)}`)).rowCount ?? 0;
      n.inserted =
        (
          await c.query(
            `INSERT INTO ${L(t)} (${list}) OVERRIDING SYSTEM VALUE SELECT ${values} FROM ${F(t)} r`,
          )
        ).rowCount ?? 0;
      continue;
    }
    const match = pk.map((x) => `l.${q(x)} = ${source.get(x)!}`).join(' AND ');
    const rest = columns.filter((x) => !pk.includes(x));
    if (rest.length)
      n.updated =
        (
          await c.query(
            `UPDATE ${L(t)} l SET ${rest.map((x) => `${q(x)} = ${source.get(x)!}`).join(', ')}
             FROM ${F(t)} r WHERE ${match}
               AND (${rest.map((x) => `l.${q(x)}::text`).join(', ')})
                   IS DISTINCT FROM (${rest.map((x) => `r.${q(x)}::text`).join(', ')})`,
          )
        ).rowCount ?? 0;
    n.inserted =
      (
        await c.query(
          `INSERT INTO ${L(t)} (${list}) OVERRIDING SYSTEM VALUE
           SELECT ${values} FROM ${F(t)} r
           WHERE NOT EXISTS (SELECT 1 FROM ${L(t)} l WHERE ${match})`,
        )
      ).rowCount ?? 0;
  }
  for (const t of [...tables].reverse()) {
    const pk = keys.get(t)!;
    if (pk.length === 0) continue;
    const { source } = shapes.get(t)!;
    const match = pk.map((x) => `l.${q(x)} = ${source.get(x)!}`).join(' AND ');
    counts.get(t)!.deleted =
      (
        await c.query(
          `DELETE FROM ${L(t)} l WHERE NOT EXISTS (SELECT 1 FROM ${F(t)} r WHERE ${match})`,
        )
      ).rowCount ?? 0;
  }
  for (const t of tables) await sequencesPastMax(c, live, t);
  return tables.map((t) => counts.get(t)!);
}

/** Sequences owned by the table's columns moved past the largest value (never back). */
async function sequencesPastMax(c: PoolClient, schema: string, table: string): Promise<void> {
  const { rows } = await c.query<{ col: string; seq: string }>(
    `SELECT a.attname::text AS col, s.oid::regclass::text AS seq FROM pg_depend d
     JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
     JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace n ON n.oid = t.relnamespace
     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
     WHERE d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
       AND n.nspname = $1 AND t.relname = $2`,
    [schema, table],
  );
  for (const { col, seq } of rows)
    await c.query(
      `SELECT setval($1::regclass, m.max) FROM (SELECT max(${q(col)})::bigint AS max FROM ${rel(schema, table)}) m,
              ${seq} s
       WHERE m.max IS NOT NULL AND (m.max > s.last_value OR (m.max = s.last_value AND NOT s.is_called))`,
      [seq],
    );
}
