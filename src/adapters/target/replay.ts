import type { PoolClient } from 'pg';
import { CONTROL_SCHEMA } from '../../domain/backups/tenant-schema';
import { DomainError } from '../../domain/errors';
import {
  capturedKeys,
  carryExpr,
  keyTuple,
  type MigrationPlan,
  type Side,
  type TablePlan,
} from './migration-plan';
import { quoteIdent } from './target-db';

/** The two schemas of a copy: rows go from `from` (on side `side`) into `into`. */
export interface Direction {
  from: string;
  into: string;
  /** The side `from` is: 'old' copies live → shadow; 'shadow' carries rows back. */
  side: Side;
}

const REPLAY = 'pg_temp.tenantops_replay';

/**
 * One replay round, inside the caller's REPEATABLE READ transaction (search_path on the shadow):
 * takes every captured change it can see (deleting it, so a committed round is never replayed
 * again and one rolled back is), and sets each captured key's row in the shadow to the live
 * row in the same snapshot, or removes it. Deletes go children first, inserts parents first, so
 * foreign keys hold after each statement. Returns the keys replayed.
 */
export async function replayRound(
  c: PoolClient,
  tenant: string,
  plan: MigrationPlan,
  dir: Direction,
): Promise<number> {
  await c.query(
    `CREATE TEMP TABLE IF NOT EXISTS tenantops_replay (table_name text, key jsonb) ON COMMIT DROP`,
  );
  await c.query(`DELETE FROM ${REPLAY}`);
  const taken = await c.query(
    `WITH gone AS (DELETE FROM ${CONTROL_SCHEMA}.migration_changes WHERE tenant_id = $1 RETURNING table_name, key)
     INSERT INTO ${REPLAY} SELECT DISTINCT table_name, key FROM gone`,
    [tenant],
  );
  if (!taken.rowCount) return 0;
  const { rows } = await c.query<{ table_name: string; whole: boolean }>(
    `SELECT table_name, bool_or(key IS NULL) AS whole FROM ${REPLAY} GROUP BY table_name`,
  );
  const touched = new Map(rows.map((r) => [r.table_name, r.whole]));
  const tables = plan.tables.filter((t) => touched.has(t.name));
  try {
    for (const t of [...tables].reverse()) {
      if (touched.get(t.name)) await c.query(deleteMissing(t, dir));
      else await c.query(deleteKeys(t, dir));
    }
    for (const t of tables) {
      if (touched.get(t.name)) await c.query(upsertAll(plan, t, dir));
      else await c.query(insertKeys(plan, t, dir));
    }
  } catch (err) {
    throw replayError(err, 'replaying the captured changes');
  }
  return taken.rowCount;
}

/**
 * Makes `into` equal to `from` on the carried columns of every table, changing only rows that
 * differ: the whole-table form of a replay (a TRUNCATE captured, capture that was missing, or
 * the rows written on the new schema carried back at a rollback). Returns the rows changed.
 */
export async function syncAll(c: PoolClient, plan: MigrationPlan, dir: Direction): Promise<number> {
  let changed = 0;
  try {
    for (const t of [...plan.tables].reverse())
      changed += (await c.query(deleteMissing(t, dir))).rowCount ?? 0;
    for (const t of plan.tables) changed += (await c.query(upsertAll(plan, t, dir))).rowCount ?? 0;
  } catch (err) {
    throw replayError(err, `carrying rows from ${dir.from} into ${dir.into}`);
  }
  return changed;
}

const table = (schema: string, t: TablePlan) => `${quoteIdent(schema)}.${quoteIdent(t.name)}`;
const into = (dir: Direction) => (dir.side === 'old' ? 'shadow' : 'old');

/** Rows of the captured keys, whatever they are now: an upserted table keeps the ones still live. */
function deleteKeys(t: TablePlan, dir: Direction): string {
  const keys = capturedKeys(t, REPLAY);
  const base = `DELETE FROM ${table(dir.into, t)} d WHERE ${keyTuple(t, 'd')} IN (${keys})`;
  return upserted(t, dir) ? `${base} AND NOT EXISTS (${sameKey(t, dir)})` : base;
}

function deleteMissing(t: TablePlan, dir: Direction): string {
  return `DELETE FROM ${table(dir.into, t)} d WHERE NOT EXISTS (${sameKey(t, dir)})`;
}

function sameKey(t: TablePlan, dir: Direction): string {
  const on = t.key.map((k) => `s.${quoteIdent(k)} = d.${quoteIdent(k)}`).join(' AND ');
  return `SELECT 1 FROM ${table(dir.from, t)} s WHERE ${on}`;
}

/**
 * A table some foreign key points at is upserted (deleting its row would cascade to, or be
 * refused by, the rows pointing at it); any other is re-inserted after its rows were deleted.
 */
function upserted(t: TablePlan, dir: Direction): boolean {
  return t.referenced[into(dir)];
}

function insertKeys(plan: MigrationPlan, t: TablePlan, dir: Direction): string {
  const base = `${insertSelect(plan, t, dir)} WHERE ${keyTuple(t, 's')} IN (${capturedKeys(t, REPLAY)})`;
  return upserted(t, dir) ? `${base} ${onConflict(t, false)}` : base;
}

function upsertAll(plan: MigrationPlan, t: TablePlan, dir: Direction): string {
  return `${insertSelect(plan, t, dir)} ${onConflict(t, true)}`;
}

function insertSelect(plan: MigrationPlan, t: TablePlan, dir: Direction): string {
  const cols = t.columns.map((c) => quoteIdent(c.name)).join(', ');
  const exprs = t.columns.map((c) => carryExpr(plan, c, 's', dir.side)).join(', ');
  const overriding = t.identityAlways[into(dir)] ? ' OVERRIDING SYSTEM VALUE' : '';
  return `INSERT INTO ${table(dir.into, t)} AS d (${cols})${overriding} SELECT ${exprs} FROM ${table(dir.from, t)} s`;
}

/** Sets the carried columns; `onlyChanged` leaves equal rows alone (no new row version). */
function onConflict(t: TablePlan, onlyChanged: boolean): string {
  const rest = t.columns.filter((c) => !t.key.includes(c.name)).map((c) => quoteIdent(c.name));
  const key = t.key.map(quoteIdent).join(', ');
  if (!rest.length) return `ON CONFLICT (${key}) DO NOTHING`;
  const set = rest.map((c) => `${c} = EXCLUDED.${c}`).join(', ');
  const differs = onlyChanged
    ? ` WHERE (${rest.map((c) => `d.${c}`).join(', ')}) IS DISTINCT FROM (${rest.map((c) => `EXCLUDED.${c}`).join(', ')})`
    : '';
  return `ON CONFLICT (${key}) DO UPDATE SET ${set}${differs}`;
}

function replayError(err: unknown, what: string): Error {
  const e = err as { code?: string; message?: string; table?: string; constraint?: string };
  // Constraint violations are facts about the data, not passing trouble: no use retrying.
  if (e.code?.startsWith('23'))
    return new DomainError(
      'replay_failed',
      `${what} failed: ${e.message ?? String(err)}${e.constraint ? ` (constraint ${e.constraint})` : ''}`,
    );
  return err instanceof Error ? err : new Error(String(err));
}
