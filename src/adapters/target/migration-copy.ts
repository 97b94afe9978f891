import type { PoolClient } from 'pg';
import type { CopyResult, TenantMigration } from '../../ports/target-migrations';
import { startCapture } from './change-capture';
import { forward, loadMigration } from './migration-load';
import { buildDeferred } from './migration-deferred';
import { carryExpr, type MigrationPlan, type TablePlan } from './migration-plan';
import { phaseAtLeast, setPhase, type MigrationRow, type MigrateContext } from './migration-state';
import { replayRound, syncAll } from './replay';
import { beginSql, quoteIdent } from './target-db';
import { runTasks } from './tasks';

const SMALL_ROUND = 1000;
const MAX_ROUNDS = 5;

/**
 * Capture on first (so no change after the copy's snapshot is missed), then the kept tables'
 * rows copied in one snapshot, the deferred keys, indexes and foreign keys built, and the
 * changes captured meanwhile replayed. Repeated: the copy is not redone; if the capture
 * triggers were missing (changes may have gone uncaptured), the shadow is resynced in full.
 */
export async function copyToShadow(
  ctx: MigrateContext,
  tenant: string,
  m: TenantMigration,
): Promise<CopyResult> {
  const { row, plan } = await ctx.db.tx((c) => loadMigration(c, ctx.schemaPattern, tenant, m));
  const result: CopyResult = {
    shadowSchema: row.shadowSchema,
    tables: [],
    rowsCopied: 0,
    replayed: 0,
    copied: false,
  };
  if (phaseAtLeast(row.phase, 'switched')) return result;
  const created = await startCapture(ctx.db, tenant, row.fromSchema, plan.tables);
  if (row.phase === 'shadow') {
    result.tables = await bulkCopy(ctx, row, plan);
    result.rowsCopied = result.tables.reduce((n, t) => n + t.rows, 0);
    result.copied = true;
    await ctx.db.tx((c) => setPhase(c, tenant, 'copied'));
  }
  if (!phaseAtLeast(row.phase, 'ready')) {
    await buildDeferred(ctx, row);
    await ctx.db.tx((c) => setPhase(c, tenant, 'ready'));
  }
  if (!result.copied && created > 0)
    result.replayed += await ctx.db.tx((c) => syncAll(c, plan, forward(row)), {
      isolation: 'repeatable read',
      searchPath: row.shadowSchema,
    });
  result.replayed += await catchUp(ctx, tenant, row, plan);
  return result;
}

/** Replay rounds while writes go on, until one is small. */
export async function catchUp(
  ctx: MigrateContext,
  tenant: string,
  row: MigrationRow,
  plan: MigrationPlan,
): Promise<number> {
  let total = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const n = await ctx.db.tx((c) => replayRound(c, tenant, plan, forward(row)), {
      isolation: 'repeatable read',
      searchPath: row.shadowSchema,
    });
    total += n;
    if (n < SMALL_ROUND) break;
  }
  return total;
}

/** Every kept table truncated and refilled by INSERT … SELECT, all in one snapshot. */
async function bulkCopy(
  ctx: MigrateContext,
  row: MigrationRow,
  plan: MigrationPlan,
): Promise<{ name: string; rows: number }[]> {
  // Asked before the snapshot opens: on PGlite no other connection gets in while it is open.
  const { pglite } = await ctx.db.capabilities();
  const main = await ctx.db.connect();
  const workers: PoolClient[] = [main];
  let ok = false;
  try {
    await open(main, row.shadowSchema);
    const n = pglite ? 1 : Math.min(ctx.concurrency, plan.tables.length);
    if (n > 1) {
      const { rows } = await main.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
      for (let i = 1; i < n; i++) {
        const c = await ctx.db.connect();
        workers.push(c);
        await open(c, row.shadowSchema, rows[0]!.id);
      }
    }
    const order = await largestFirst(main, row.fromSchema, plan.tables);
    const counts = await runTasks(order, workers, (c, t) => copyTable(c, plan, t, row));
    for (const c of workers.slice(1)) await c.query('COMMIT');
    await main.query('COMMIT');
    ok = true;
    return plan.tables.map((t) => ({ name: t.name, rows: counts[order.indexOf(t)]! }));
  } finally {
    for (const c of workers) {
      if (!ok) await c.query('ROLLBACK').catch(() => undefined);
      c.release();
    }
  }
}

async function open(c: PoolClient, shadow: string, snapshot?: string): Promise<void> {
  await c.query(beginSql({ isolation: 'repeatable read', searchPath: shadow, snapshot }));
  // Re-run from scratch if it fails, so the copy need not wait for each flush.
  await c.query(`SELECT set_config('synchronous_commit', 'off', true)`);
}

async function copyTable(
  c: PoolClient,
  plan: MigrationPlan,
  t: TablePlan,
  row: MigrationRow,
): Promise<number> {
  const into = `${quoteIdent(row.shadowSchema)}.${quoteIdent(t.name)}`;
  const cols = t.columns.map((col) => quoteIdent(col.name)).join(', ');
  const exprs = t.columns.map((col) => carryExpr(plan, col, 's', 'old')).join(', ');
  const overriding = t.identityAlways.shadow ? ' OVERRIDING SYSTEM VALUE' : '';
  await c.query(`TRUNCATE ${into}`);
  const r = await c.query(
    `INSERT INTO ${into} (${cols})${overriding} SELECT ${exprs} FROM ${quoteIdent(row.fromSchema)}.${quoteIdent(t.name)} s`,
  );
  return r.rowCount ?? 0;
}

async function largestFirst(
  c: PoolClient,
  schema: string,
  tables: TablePlan[],
): Promise<TablePlan[]> {
  const { rows } = await c.query<{ name: string; size: string }>(
    `SELECT relname AS name, pg_relation_size(oid)::text AS size FROM pg_class
     WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND relkind = 'r'`,
    [schema],
  );
  const size = new Map(rows.map((r) => [r.name, Number(r.size)]));
  return [...tables].sort((a, b) => (size.get(b.name) ?? 0) - (size.get(a.name) ?? 0));
}
