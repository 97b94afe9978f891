import type { PoolClient } from 'pg';
import { CONTROL_SCHEMA, defaultSchemaName } from '../../domain/backups/tenant-schema';
import { DomainError } from '../../domain/errors';
import { CAPTURE_FUNCTION_SQL } from './change-capture-sql';
import { quoteIdent, type TargetDb } from './target-db';

// Any constant works; every tenantops process must use the same one.
const CONTROL_LOCK_KEY = 7_412_093_009;

/**
 * PRODUCT §8's control tables, plus `write_pauses`: the app role's write grants recorded when a
 * tenant's writes were paused, so resume gives back exactly those; `control_holds`: each
 * control change with the value it replaced, so undo restores exactly that. `previous_schema`
 * keeps the schema a swap left, for rollback. `tenant_migrations` (one row per tenant: its
 * migration in progress or last one) and `migration_changes` (keys captured while a shadow is
 * filled) serve tenant-migrate.
 */
const CONTROL_DDL = `
CREATE SCHEMA IF NOT EXISTS ${CONTROL_SCHEMA};
CREATE TABLE IF NOT EXISTS ${CONTROL_SCHEMA}.tenant_routing (
  tenant_id text PRIMARY KEY,
  schema_name text NOT NULL,
  version integer NOT NULL DEFAULT 0,
  previous_schema text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${CONTROL_SCHEMA}.tenant_controls (
  tenant_id text PRIMARY KEY,
  read_only boolean NOT NULL DEFAULT false,
  rate_limit_rpm integer CHECK (rate_limit_rpm IS NULL OR rate_limit_rpm > 0),
  pool text,
  blocked_endpoints text[] NOT NULL DEFAULT '{}',
  flags jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${CONTROL_SCHEMA}.write_pauses (
  tenant_id text PRIMARY KEY,
  schema_name text NOT NULL,
  grants jsonb NOT NULL,
  paused_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${CONTROL_SCHEMA}.control_holds (
  hold_id text NOT NULL,
  tenant_id text NOT NULL,
  key text NOT NULL,
  previous jsonb NOT NULL,
  applied jsonb NOT NULL,
  seq bigserial NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (hold_id, key)
);
CREATE INDEX IF NOT EXISTS control_holds_tenant_key ON ${CONTROL_SCHEMA}.control_holds (tenant_id, key, seq);
CREATE TABLE IF NOT EXISTS ${CONTROL_SCHEMA}.tenant_migrations (
  tenant_id text PRIMARY KEY,
  migration text NOT NULL,
  sha256 text NOT NULL,
  from_version integer NOT NULL,
  to_version integer NOT NULL,
  from_schema text NOT NULL,
  shadow_schema text NOT NULL,
  phase text NOT NULL,
  shadow_structure jsonb NOT NULL,
  deferred jsonb NOT NULL DEFAULT '[]',
  pause_ms integer,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${CONTROL_SCHEMA}.migration_changes (
  tenant_id text NOT NULL,
  table_name text NOT NULL,
  key jsonb
);
CREATE INDEX IF NOT EXISTS migration_changes_tenant_idx
  ON ${CONTROL_SCHEMA}.migration_changes (tenant_id, table_name);
${CAPTURE_FUNCTION_SQL}`;

/** Creates the control schema if missing (under an advisory lock: workers may race) and lets the app role read it. */
export async function ensureControlSchema(db: TargetDb, appRole: string): Promise<void> {
  await db.tx(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [CONTROL_LOCK_KEY]);
    await c.query(CONTROL_DDL);
    if (await roleExists(c, appRole)) {
      const role = quoteIdent(appRole);
      await c.query(`GRANT USAGE ON SCHEMA ${CONTROL_SCHEMA} TO ${role};
        GRANT SELECT ON ${CONTROL_SCHEMA}.tenant_routing, ${CONTROL_SCHEMA}.tenant_controls TO ${role}`);
    }
  });
}

export async function roleExists(c: PoolClient, role: string): Promise<boolean> {
  const { rows } = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  return rows.length > 0;
}

export async function schemaExists(c: PoolClient, schema: string): Promise<boolean> {
  const { rows } = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  return rows.length > 0;
}

export interface Routing {
  schema: string;
  /** True when a tenant_routing row names it; false when it comes from the pattern. */
  routed: boolean;
  version: number;
  previous: string | null;
}

/** The tenant's routing row, else the pattern's schema name (which may not exist). */
export async function routingOf(c: PoolClient, pattern: string, tenant: string): Promise<Routing> {
  const { rows } = await c.query<{
    schema_name: string;
    version: number;
    previous_schema: string | null;
  }>(
    `SELECT schema_name, version, previous_schema FROM ${CONTROL_SCHEMA}.tenant_routing
     WHERE tenant_id = $1`,
    [tenant],
  );
  const row = rows[0];
  if (row)
    return {
      schema: row.schema_name,
      routed: true,
      version: row.version,
      previous: row.previous_schema,
    };
  return { schema: defaultSchemaName(pattern, tenant), routed: false, version: 0, previous: null };
}

/** The tenant's live schema, which must exist. */
export async function liveSchemaOf(
  c: PoolClient,
  pattern: string,
  tenant: string,
): Promise<Routing> {
  const routing = await routingOf(c, pattern, tenant);
  if (!(await schemaExists(c, routing.schema)))
    throw new DomainError(
      'target_no_schema',
      `tenant ${tenant} has no schema on the target: ${routing.routed ? 'its routing row names' : 'target.schemaPattern gives'} "${routing.schema}", which does not exist`,
    );
  return routing;
}
