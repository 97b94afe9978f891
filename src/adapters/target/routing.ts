import type { PoolClient } from 'pg';
import {
  assertSchemaName,
  CONTROL_SCHEMA,
  defaultSchemaName,
} from '../../domain/backups/tenant-schema';
import { DomainError } from '../../domain/errors';
import type { SwapResult } from '../../ports/target-system';
import { routingOf, schemaExists } from './control-schema';
import { quoteIdent, quoteLiteral, type TargetDb } from './target-db';
import { assertTenantId } from './tenant-input';

/** Schemas tenantops builds carry this comment; only such schemas (or one a swap left) are dropped. */
export const SCHEMA_MARK = 'tenantops:';

/**
 * Marks a schema tenantops built for a tenant (a restore, a migration's shadow): it may be
 * swapped in for that tenant only, and dropped once nothing routes to it.
 */
export async function markSchema(
  c: PoolClient,
  schema: string,
  tenant: string,
  what: string,
): Promise<void> {
  const note = `${SCHEMA_MARK}${tenant}: ${what} (${new Date().toISOString()})`;
  await c.query(`COMMENT ON SCHEMA ${quoteIdent(schema)} IS ${quoteLiteral(note)}`);
}

/**
 * Refuses to drop (or rebuild) a schema unless tenantops made it (marked) or a swap left it,
 * and never one a routing row points at or one other schemas' foreign keys reference. Takes a
 * lock that holds swaps off until the transaction ends.
 */
export async function guardDroppable(c: PoolClient, name: string): Promise<void> {
  assertSchemaName(name);
  await c.query(`LOCK TABLE ${CONTROL_SCHEMA}.tenant_routing IN SHARE ROW EXCLUSIVE MODE`);
  const { rows } = await c.query<{ tenant_id: string }>(
    `SELECT tenant_id FROM ${CONTROL_SCHEMA}.tenant_routing WHERE schema_name = $1`,
    [name],
  );
  if (rows[0])
    throw new DomainError(
      'schema_is_live',
      `schema ${name} is the live schema of tenant ${rows[0].tenant_id} (tenant_routing): it is never dropped`,
    );
  if (!(await schemaExists(c, name))) return;
  const { rows: known } = await c.query<{ marked: boolean; left: string | null }>(
    `SELECT coalesce(starts_with(obj_description(n.oid, 'pg_namespace'), $2), false) AS marked,
            (SELECT min(tenant_id) FROM ${CONTROL_SCHEMA}.tenant_routing WHERE previous_schema = $1) AS left
     FROM pg_namespace n WHERE n.nspname = $1`,
    [name, SCHEMA_MARK],
  );
  if (!known[0]?.marked && !known[0]?.left)
    throw new DomainError(
      'schema_not_ours',
      `schema ${name} was neither built by tenantops nor left by a swap (it may be a tenant's live schema by target.schemaPattern): not dropped`,
    );
  const { rows: refs } = await c.query<{ ref: string }>(
    `SELECT DISTINCT n.nspname || '.' || c.relname AS ref
     FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
     WHERE k.contype = 'f' AND rn.nspname = $1 AND n.nspname <> $1`,
    [name],
  );
  if (refs.length)
    throw new DomainError(
      'schema_referenced',
      `schema ${name} is referenced by foreign keys of ${refs.map((r) => r.ref).join(', ')}: not dropped`,
    );
}

export async function dropSchema(db: TargetDb, name: string): Promise<{ dropped: boolean }> {
  return db.tx(async (c) => {
    await guardDroppable(c, name);
    if (!(await schemaExists(c, name))) return { dropped: false };
    await c.query(`DROP SCHEMA ${quoteIdent(name)} CASCADE`);
    return { dropped: true };
  });
}

/**
 * Points the tenant's routing at `to` in one statement; the schema it leaves is kept (and
 * remembered in previous_schema, so a repeated swap still reports it).
 */
export async function swap(
  db: TargetDb,
  pattern: string,
  tenant: string,
  to: string,
  version?: number,
): Promise<SwapResult> {
  return db.tx((c) => swapIn(c, pattern, tenant, to, version));
}

/** swap() inside the caller's transaction (a migration's switch replays and swaps in one). */
export async function swapIn(
  c: PoolClient,
  pattern: string,
  tenant: string,
  to: string,
  version?: number,
): Promise<SwapResult> {
  assertTenantId(tenant);
  assertSchemaName(to);
  await c.query(`SELECT pg_advisory_xact_lock(hashtext('tenantops:routing:' || $1))`, [tenant]);
  if (!(await schemaExists(c, to)))
    throw new DomainError('schema_missing', `cannot point ${tenant} at ${to}: no such schema`);
  const current = await routingOf(c, pattern, tenant);
  await assertTenantsSchema(c, pattern, tenant, to, current.previous);
  if (current.schema === to) {
    if (version !== undefined && current.routed && current.version !== version)
      await c.query(
        `UPDATE ${CONTROL_SCHEMA}.tenant_routing SET version = $2, updated_at = now() WHERE tenant_id = $1`,
        [tenant, version],
      );
    return { tenant, from: current.previous ?? to, to, changed: false };
  }
  await c.query(
    `INSERT INTO ${CONTROL_SCHEMA}.tenant_routing (tenant_id, schema_name, version, previous_schema)
     VALUES ($1, $2, coalesce($3, 0), $4)
     ON CONFLICT (tenant_id) DO UPDATE SET schema_name = $2, previous_schema = $4,
       version = coalesce($3, tenant_routing.version), updated_at = now()`,
    [tenant, to, version ?? null, current.schema],
  );
  return { tenant, from: current.schema, to, changed: true };
}

/**
 * A tenant is only ever pointed at one of its own schemas: built for it by tenantops (marked),
 * the one its last swap left, or its schema by target.schemaPattern; never another tenant's.
 */
async function assertTenantsSchema(
  c: PoolClient,
  pattern: string,
  tenant: string,
  to: string,
  previous: string | null,
): Promise<void> {
  const { rows } = await c.query<{ other: string | null; note: string | null }>(
    `SELECT (SELECT min(tenant_id) FROM ${CONTROL_SCHEMA}.tenant_routing
             WHERE schema_name = $1 AND tenant_id <> $2) AS other,
            obj_description((SELECT oid FROM pg_namespace WHERE nspname = $1), 'pg_namespace') AS note`,
    [to, tenant],
  );
  const { other, note } = rows[0] ?? { other: null, note: null };
  if (other)
    throw new DomainError(
      'schema_of_another_tenant',
      `cannot point ${tenant} at ${to}: it is the live schema of tenant ${other}`,
    );
  const ours =
    to === defaultSchemaName(pattern, tenant) ||
    to === previous ||
    (note ?? '').startsWith(`${SCHEMA_MARK}${tenant}:`);
  if (!ours)
    throw new DomainError(
      'schema_not_tenants',
      `cannot point ${tenant} at ${to}: it was not built for ${tenant} by tenantops, is not the schema its last swap left, nor its schema by target.schemaPattern`,
    );
}
