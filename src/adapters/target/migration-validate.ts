import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { DomainError } from '../../domain/errors';
import type {
  CheckResult,
  MigrationValidation,
  TableComparison,
  TenantMigration,
} from '../../ports/target-migrations';
import { RowDigest } from './copy-text';
import { forward, loadMigration } from './migration-load';
import type { TablePlan } from './migration-plan';
import { phaseAtLeast, setPhase, type MigrationRow, type MigrateContext } from './migration-state';
import { replayRound } from './replay';
import { beginSql, quoteIdent } from './target-db';

/**
 * In one REPEATABLE READ transaction: a replay round (so the shadow holds the live rows of this
 * snapshot), then per kept table the row count and a SHA-256 over the columns the migration
 * left as they were, on both sides in key order; the deferred keys, indexes and foreign keys
 * present and valid; and the migration's `-- check:` queries on the shadow (each rolled back).
 */
export async function validateShadow(
  ctx: MigrateContext,
  tenant: string,
  m: TenantMigration,
): Promise<MigrationValidation> {
  const c = await ctx.db.connect();
  try {
    await c.query(beginSql({ isolation: 'repeatable read' }));
    try {
      const { row, plan } = await loadMigration(c, ctx.schemaPattern, tenant, m);
      if (phaseAtLeast(row.phase, 'switched'))
        throw new DomainError(
          'migration_switched',
          `tenant ${tenant} already uses ${row.shadowSchema}: there is nothing left to validate`,
        );
      if (!phaseAtLeast(row.phase, 'ready'))
        throw new DomainError(
          'migration_not_copied',
          `the rows of ${tenant} are not all in ${row.shadowSchema} yet: copy them first`,
        );
      await c.query(`SELECT set_config('search_path', $1, true)`, [
        `${quoteIdent(row.shadowSchema)}, pg_catalog`,
      ]);
      const replayed = await replayRound(c, tenant, plan, forward(row));
      const tables: TableComparison[] = [];
      for (const t of plan.tables) tables.push(await compare(c, row, t));
      const problems = tables
        .filter((t) => !t.ok)
        .map(
          (t) =>
            `table ${t.name}: ${t.rows} live rows, ${t.shadowRows} in the shadow` +
            (t.rows === t.shadowRows ? ` (${t.columns.join(', ')} differ)` : ''),
        );
      problems.push(...(await deferredProblems(c, row)));
      const checks: CheckResult[] = [];
      for (const sql of m.checks) checks.push(await runCheck(c, sql));
      problems.push(...checks.filter((k) => !k.ok).map((k) => `check "${k.sql}": ${k.result}`));
      const ok = problems.length === 0;
      await setPhase(c, tenant, ok ? 'validated' : 'ready');
      await c.query('COMMIT');
      return { ok, shadowSchema: row.shadowSchema, tables, checks, problems, replayed };
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } finally {
    c.release();
  }
}

async function compare(c: PoolClient, row: MigrationRow, t: TablePlan): Promise<TableComparison> {
  const columns = t.columns.filter((col) => col.same).map((col) => col.name);
  const order = t.key
    .map((k, i) =>
      /^(text|character)/.test(t.keyTypes[i]!) ? `${quoteIdent(k)} COLLATE "C"` : quoteIdent(k),
    )
    .join(', ');
  const select = (schema: string) =>
    `SELECT ${columns.map(quoteIdent).join(', ') || 'NULL'} FROM ${quoteIdent(schema)}.${quoteIdent(t.name)} ORDER BY ${order}`;
  const live = await digest(c, select(row.fromSchema));
  const shadow = await digest(c, select(row.shadowSchema));
  return {
    name: t.name,
    rows: live.rows,
    shadowRows: shadow.rows,
    columns,
    sha256: live.sha256,
    shadowSha256: shadow.sha256,
    ok: live.rows === shadow.rows && live.sha256 === shadow.sha256,
  };
}

async function digest(c: PoolClient, select: string): Promise<{ rows: number; sha256: string }> {
  const d = new RowDigest();
  for await (const chunk of c.query(copyTo(`COPY (${select}) TO STDOUT`)))
    d.update(chunk as Buffer);
  return { rows: d.rows, sha256: d.digest() };
}

async function deferredProblems(c: PoolClient, row: MigrationRow): Promise<string[]> {
  const { rows } = await c.query<{ name: string; valid: boolean }>(
    `SELECT k.conname AS name, k.convalidated AS valid FROM pg_constraint k
       JOIN pg_class r ON r.oid = k.conrelid WHERE r.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
     UNION ALL
     SELECT ic.relname, i.indisvalid FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
       WHERE ic.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)`,
    [row.shadowSchema],
  );
  const found = new Map(rows.map((r) => [r.name, r.valid]));
  return row.deferred
    .filter((d) => found.get(d.name) !== true)
    .map((d) =>
      found.has(d.name)
        ? `${d.kind} ${d.name} of ${d.table} is not valid`
        : `${d.kind} ${d.name} of ${d.table} is missing`,
    );
}

/** Passes on zero rows or one row whose only column is true; anything else (or an error) fails. */
async function runCheck(c: PoolClient, sql: string): Promise<CheckResult> {
  await c.query('SAVEPOINT tenantops_check');
  try {
    const r = await c.query<Record<string, unknown>>(sql);
    if (Array.isArray(r))
      return { sql, ok: false, result: 'holds several statements, not one query' };
    if (r.rows.length === 0) return { sql, ok: true, result: 'no rows' };
    const first = r.rows[0]!;
    const values = Object.values(first);
    if (r.rows.length === 1 && values.length === 1 && values[0] === true)
      return { sql, ok: true, result: 'true' };
    const shown = JSON.stringify(values.length === 1 ? values[0] : first);
    return {
      sql,
      ok: false,
      result: `returned ${shown}${r.rows.length > 1 ? ` (and ${r.rows.length - 1} more rows)` : ''}`,
    };
  } catch (err) {
    return { sql, ok: false, result: `error: ${(err as Error).message}` };
  } finally {
    await c.query('ROLLBACK TO SAVEPOINT tenantops_check');
  }
}
