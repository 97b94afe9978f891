import type { PoolClient } from 'pg';
import type { MigrateContext, Deferred, MigrationRow } from './migration-state';
import type { SchemaStructure } from './structure';
import { indexStatements } from './structure-ddl';
import { beginSql, quoteIdent } from './target-db';
import { runTasks } from './tasks';

/** Index builds sort in memory up to this, per connection (as a restore's). */
const INDEX_MEMORY = '256MB';
/** Catch-up rounds stop when a round replays fewer keys than this (or after MAX_ROUNDS). */
/**
 * Drops the foreign keys of the shadow and the keys, unique constraints and indexes of its
 * kept tables (empty: the copy fills them), returning them to build after the copy.
 */
export async function deferKeysAndIndexes(
  c: PoolClient,
  live: SchemaStructure,
  after: SchemaStructure,
): Promise<Deferred[]> {
  const kept = new Set(live.tables.map((t) => t.name));
  const fks: Deferred[] = [];
  const rest: Deferred[] = [];
  for (const t of after.tables) {
    for (const k of t.constraints.filter((x) => x.type === 'f'))
      fks.push({
        table: t.name,
        name: k.name,
        kind: 'constraint',
        sql: addConstraint(t.name, k.name, k.def),
      });
    if (!kept.has(t.name)) continue;
    const stmts = indexStatements(t);
    const keys = t.constraints.filter((k) => k.type === 'p' || k.type === 'u' || k.type === 'x');
    keys.forEach((k, i) =>
      rest.push({ table: t.name, name: k.name, kind: 'constraint', sql: stmts[i]! }),
    );
    for (const i of t.indexes)
      rest.push({ table: t.name, name: i.name, kind: 'index', sql: i.def });
  }
  for (const d of [...fks, ...rest])
    await c.query(
      d.kind === 'index'
        ? `DROP INDEX ${quoteIdent(d.name)}`
        : `ALTER TABLE ${quoteIdent(d.table)} DROP CONSTRAINT ${quoteIdent(d.name)}`,
    );
  return [...rest, ...fks];
}

function addConstraint(table: string, name: string, def: string): string {
  return `ALTER TABLE ${quoteIdent(table)} ADD CONSTRAINT ${quoteIdent(name)} ${def}`;
}

/**
 * The shadow's deferred keys and indexes (tables in parallel), then its foreign keys; each in
 * its own transaction, skipped when already there, so a retry builds only what is missing.
 */
export async function buildDeferred(ctx: MigrateContext, row: MigrationRow): Promise<void> {
  const { pglite } = await ctx.db.capabilities();
  const byTable = new Map<string, Deferred[]>();
  const fks = row.deferred.filter((d) => /\bFOREIGN KEY\b/i.test(d.sql));
  for (const d of row.deferred.filter((x) => !fks.includes(x)))
    byTable.set(d.table, [...(byTable.get(d.table) ?? []), d]);
  const workers: PoolClient[] = [];
  try {
    const n = pglite ? 1 : Math.max(1, Math.min(ctx.concurrency, byTable.size));
    for (let i = 0; i < n; i++) workers.push(await ctx.db.connect());
    await runTasks([...byTable.values()], workers, async (c, list) => {
      for (const d of list) await buildOne(c, row.shadowSchema, d);
    });
    for (const d of fks) await buildOne(workers[0]!, row.shadowSchema, d);
  } finally {
    for (const c of workers) c.release();
  }
}

async function buildOne(c: PoolClient, shadow: string, d: Deferred): Promise<void> {
  await c.query(beginSql({ searchPath: shadow }));
  try {
    const { rows } = await c.query(
      d.kind === 'index'
        ? `SELECT 1 FROM pg_class WHERE relname = $2 AND relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)`
        : `SELECT 1 FROM pg_constraint WHERE conname = $2 AND conrelid = to_regclass(quote_ident($1) || '.' || quote_ident($3))`,
      d.kind === 'index' ? [shadow, d.name] : [shadow, d.name, d.table],
    );
    if (!rows.length) {
      await c.query(`SELECT set_config('maintenance_work_mem', $1, true)`, [INDEX_MEMORY]);
      await c.query(d.sql);
    }
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
