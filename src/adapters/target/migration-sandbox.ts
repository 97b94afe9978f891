import type { PoolClient } from 'pg';
import { DomainError } from '../../domain/errors';
import type { TenantMigration } from '../../ports/target-migrations';

/** What the transaction held and had written before the migration ran. */
export interface BeforeMigration {
  locks: Set<string>;
  /** The transaction's id: catalog rows at or past it were written by it (or its subtransactions). */
  xid: string;
  /** The largest relation oid then: a relation gone since with a smaller oid existed before. */
  maxOid: string;
}

const SYSTEM = `('pg_catalog', 'information_schema')`;

export async function heldLocks(c: PoolClient): Promise<BeforeMigration> {
  const { rows } = await c.query<{ locks: string[]; xid: string; max_oid: string }>(
    `SELECT ARRAY(SELECT l.relation::text || ':' || l.mode FROM pg_locks l
                  WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation') AS locks,
            (pg_current_xact_id()::text::bigint % 4294967296)::text AS xid,
            (SELECT max(oid)::text FROM pg_class) AS max_oid`,
  );
  const r = rows[0]!;
  return { locks: new Set(r.locks), xid: r.xid, maxOid: r.max_oid };
}

/**
 * Refuses a migration that reached outside its shadow schema: a relation of another schema it
 * locked (read, wrote or altered: another tenant's rows must not land here either), dropped, or
 * whose catalog row it rewrote (a grant), or a schema, type or function it made elsewhere. The
 * transaction then rolls back, so nothing it did stays.
 */
export async function assertStaysInShadow(
  c: PoolClient,
  m: TenantMigration,
  shadow: string,
  before: BeforeMigration,
): Promise<void> {
  const { rows: locks } = await c.query<{ key: string; name: string | null; gone: boolean }>(
    `SELECT l.relation::text || ':' || l.mode AS key, c.oid IS NULL AS gone,
            CASE WHEN c.oid IS NOT NULL THEN n.nspname || '.' || c.relname END AS name
     FROM pg_locks l
     LEFT JOIN pg_class c ON c.oid = l.relation
     LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND (c.oid IS NULL AND l.relation::text::bigint < $2::bigint
            OR c.oid IS NOT NULL AND n.nspname <> $1 AND n.nspname NOT IN ${SYSTEM}
               AND NOT (n.nspname = 'pg_toast' AND EXISTS (
                 SELECT 1 FROM pg_class o JOIN pg_namespace p ON p.oid = o.relnamespace
                 WHERE o.oid = substring(c.relname FROM '^pg_toast_([0-9]+)')::oid
                   AND (p.nspname = $1 OR p.nspname IN ${SYSTEM})))
               AND n.nspname NOT LIKE 'pg_temp%')`,
    [shadow, before.maxOid],
  );
  const touched = locks.filter((l) => !before.locks.has(l.key));
  const { rows: made } = await c.query<{ what: string }>(
    `SELECT 'relation ' || n.nspname || '.' || c.relname AS what FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.xmin::text::bigint >= $2::bigint AND n.nspname <> $1 AND n.nspname <> 'pg_toast'
     UNION ALL SELECT 'type ' || n.nspname || '.' || t.typname FROM pg_type t
       JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE t.xmin::text::bigint >= $2::bigint AND n.nspname <> $1 AND n.nspname <> 'pg_toast'
     UNION ALL SELECT 'function ' || n.nspname || '.' || p.proname FROM pg_proc p
       JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE p.xmin::text::bigint >= $2::bigint AND n.nspname <> $1
     UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
       WHERE xmin::text::bigint >= $2::bigint AND nspname <> $1 AND nspname NOT LIKE 'pg_temp%'
         AND nspname NOT LIKE 'pg_toast_temp%'`,
    [shadow, before.xid],
  );
  const outside = [
    ...touched.map((l) => (l.gone ? 'a relation it dropped' : `relation ${l.name ?? '?'}`)),
    ...made.map((r) => r.what),
  ];
  if (outside.length)
    throw new DomainError(
      'migration_outside_shadow',
      `${m.name} reaches outside its shadow schema ${shadow} (${[...new Set(outside)].slice(0, 5).join(', ')}): tenant-migrate runs the file with search_path on the shadow, so name the tenant's tables without a schema. Nothing was changed`,
    );
}
