import type { PoolClient } from 'pg';
import { CONTROL_SCHEMA } from '../../domain/backups/tenant-schema';
import { DomainError } from '../../domain/errors';
import { CAPTURE_TRIGGER_PREFIX } from './change-capture-sql';
import { captureKeyExpr, type TablePlan } from './migration-plan';
import { quoteIdent, quoteLiteral, type TargetDb } from './target-db';

/** One statement-level trigger per event: transition tables allow one event per trigger. */
const EVENTS: [suffix: string, when: string, referencing: string][] = [
  ['ins', 'AFTER INSERT', 'REFERENCING NEW TABLE AS new_rows'],
  ['upd', 'AFTER UPDATE', 'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows'],
  ['del', 'AFTER DELETE', 'REFERENCING OLD TABLE AS old_rows'],
  ['trunc', 'AFTER TRUNCATE', ''],
];

/**
 * Creating or dropping a trigger waits for the table's running writes, and the writes that
 * come after wait behind it: so each try gives up quickly and is retried.
 */
const LOCK_TIMEOUT = '300ms';
const TRIES = 25;

/** The capture triggers present on each table of `schema`: table → trigger names. */
export async function captureTriggers(
  c: PoolClient,
  schema: string,
): Promise<Map<string, Set<string>>> {
  const { rows } = await c.query<{ tbl: string; name: string }>(
    `SELECT c.relname AS tbl, t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
       AND t.tgname LIKE 'tenantops\\_capture\\_%'`,
    [schema],
  );
  const out = new Map<string, Set<string>>();
  for (const r of rows) out.set(r.tbl, (out.get(r.tbl) ?? new Set()).add(r.name));
  return out;
}

/** Every table of the plan has its four capture triggers. */
export function captureComplete(present: Map<string, Set<string>>, tables: TablePlan[]): boolean {
  return tables.every((t) =>
    EVENTS.every(([suffix]) => present.get(t.name)?.has(CAPTURE_TRIGGER_PREFIX + suffix)),
  );
}

/**
 * Puts the capture triggers on the tables of `schema` that lack them, all in one transaction
 * (capture starts for every table at once). Returns how many were created (0: already there).
 */
export async function startCapture(
  db: TargetDb,
  tenant: string,
  schema: string,
  tables: TablePlan[],
): Promise<number> {
  return withLockRetries(`putting the capture triggers on ${schema}`, () =>
    db.tx(async (c) => {
      await c.query(`SELECT set_config('lock_timeout', $1, true)`, [LOCK_TIMEOUT]);
      const present = await captureTriggers(c, schema);
      let created = 0;
      for (const t of tables)
        for (const [suffix, when, referencing] of EVENTS) {
          const name = CAPTURE_TRIGGER_PREFIX + suffix;
          if (present.get(t.name)?.has(name)) continue;
          const args = [tenant, captureKeyExpr(t)].map(quoteLiteral).join(', ');
          await c.query(
            `CREATE TRIGGER ${name} ${when} ON ${quoteIdent(schema)}.${quoteIdent(t.name)} ${referencing}
             FOR EACH STATEMENT EXECUTE FUNCTION ${CONTROL_SCHEMA}.capture_change(${args})`,
          );
          created++;
        }
      return created;
    }),
  );
}

/** Drops the capture triggers from the given schemas (those that exist) and the tenant's pending changes. */
export async function stopCapture(
  db: TargetDb,
  tenant: string,
  schemas: string[],
): Promise<number> {
  return withLockRetries('removing the capture triggers', () =>
    db.tx(async (c) => {
      await c.query(`SELECT set_config('lock_timeout', $1, true)`, [LOCK_TIMEOUT]);
      let dropped = 0;
      for (const schema of schemas)
        for (const [table, names] of await captureTriggers(c, schema))
          for (const name of names) {
            await c.query(
              `DROP TRIGGER IF EXISTS ${quoteIdent(name)} ON ${quoteIdent(schema)}.${quoteIdent(table)}`,
            );
            dropped++;
          }
      await c.query(`DELETE FROM ${CONTROL_SCHEMA}.migration_changes WHERE tenant_id = $1`, [
        tenant,
      ]);
      return dropped;
    }),
  );
}

/** Captured changes of the tenant not yet replayed. */
export async function pendingChanges(c: PoolClient, tenant: string): Promise<number> {
  const { rows } = await c.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${CONTROL_SCHEMA}.migration_changes WHERE tenant_id = $1`,
    [tenant],
  );
  return Number(rows[0]?.n ?? 0);
}

async function withLockRetries<T>(what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { code?: string }).code !== '55P03') throw err;
      if (attempt >= TRIES)
        throw new DomainError(
          'capture_lock_timeout',
          `${what}: the tables stayed locked by the tenant's transactions for ${TRIES} tries of ${LOCK_TIMEOUT} (a long transaction of the app?)`,
        );
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
    }
  }
}
