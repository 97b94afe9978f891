import type { PoolClient } from 'pg';
import { CONTROL_SCHEMA } from '../../domain/backups/tenant-schema';
import { DomainError } from '../../domain/errors';
import type { TableWrites, WritePauseState, WritePrivilege } from '../../ports/target-system';
import { liveSchemaOf, roleExists } from './control-schema';
import { quoteIdent, type TargetDb } from './target-db';
import { assertTenantId } from './tenant-input';

const WRITES = ['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'];

export interface PauseContext {
  db: TargetDb;
  schemaPattern: string;
  appRole: string;
  /** How long pause waits for writes already in flight to finish. */
  drainTimeoutMs: number;
}

/** One pause or resume at a time per tenant, across workers. */
async function lockTenant(c: PoolClient, tenant: string): Promise<void> {
  await c.query(`SELECT pg_advisory_xact_lock(hashtext('tenantops:writes:' || $1))`, [tenant]);
}

/**
 * read_only on and the app role's write grants revoked on the live schema's tables, the grants
 * recorded first (once: a second pause keeps the first record). Then waits for writes already in
 * flight, and proves the pause with a real write attempt as the app role.
 */
export async function pauseWrites(ctx: PauseContext, tenant: string): Promise<WritePauseState> {
  assertTenantId(tenant);
  const schema = await ctx.db.tx(async (c) => {
    await assertRole(c, ctx.appRole);
    await lockTenant(c, tenant);
    const { schema } = await liveSchemaOf(c, ctx.schemaPattern, tenant);
    const held = await c.query(
      `SELECT 1 FROM ${CONTROL_SCHEMA}.write_pauses WHERE tenant_id = $1`,
      [tenant],
    );
    if (held.rows.length === 0)
      await c.query(
        `INSERT INTO ${CONTROL_SCHEMA}.write_pauses (tenant_id, schema_name, grants)
         VALUES ($1, $2, $3)`,
        [tenant, schema, JSON.stringify(await writeGrants(c, schema, ctx.appRole))],
      );
    await c.query(
      `REVOKE ${WRITES.join(', ')} ON ALL TABLES IN SCHEMA ${quoteIdent(schema)} FROM ${quoteIdent(ctx.appRole)}`,
    );
    await setReadOnly(c, tenant, true);
    return schema;
  });
  await drainWrites(ctx, schema);
  const state = await writesPaused(ctx, tenant);
  if (!state.paused)
    throw new DomainError(
      'pause_ineffective',
      `writes of ${tenant} are not refused after the pause: ${describeWritable(state.writable)} ` +
        `still accept writes as ${ctx.appRole} (through PUBLIC, another role or a grant by someone else)`,
    );
  return state;
}

/** Write grants of the app role on each table of the schema. */
async function writeGrants(
  c: PoolClient,
  schema: string,
  role: string,
): Promise<Record<string, string[]>> {
  const { rows } = await c.query<{ name: string; privileges: string[] }>(
    `SELECT c.relname AS name, array_agg(a.privilege_type::text ORDER BY a.privilege_type) AS privileges
     FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
     WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND c.relkind IN ('r', 'p')
       AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $2)
       AND a.privilege_type = ANY($3)
     GROUP BY c.relname ORDER BY c.relname`,
    [schema, role, WRITES],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.privileges]));
}

/**
 * Waits until writes that began before the revoke have committed or rolled back: a SHARE lock
 * on every table queues behind their row locks.
 */
async function drainWrites(ctx: PauseContext, schema: string): Promise<void> {
  await ctx.db.tx(async (c) => {
    const tables = await tablesOf(c, schema);
    if (tables.length === 0) return;
    await c.query(`SELECT set_config('lock_timeout', $1, true)`, [`${ctx.drainTimeoutMs}ms`]);
    try {
      await c.query(
        `LOCK TABLE ${tables.map((t) => `${quoteIdent(schema)}.${quoteIdent(t)}`).join(', ')} IN SHARE MODE`,
      );
    } catch (err) {
      if ((err as { code?: string }).code !== '55P03') throw err;
      throw new DomainError(
        'pause_drain_timeout',
        `writes on ${schema} still running ${ctx.drainTimeoutMs} ms after they were revoked (a long transaction of the app?)`,
      );
    }
  });
}

/** Gives back the grants recorded at pause, on the tables of the schema routed now; read_only off. */
export async function resumeWrites(ctx: PauseContext, tenant: string): Promise<WritePauseState> {
  assertTenantId(tenant);
  await ctx.db.tx(async (c) => {
    await lockTenant(c, tenant);
    const { schema } = await liveSchemaOf(c, ctx.schemaPattern, tenant);
    const { rows } = await c.query<{ grants: Record<string, string[]> }>(
      `SELECT grants FROM ${CONTROL_SCHEMA}.write_pauses WHERE tenant_id = $1`,
      [tenant],
    );
    const grants = rows[0]?.grants ?? {};
    const present = new Set(await tablesOf(c, schema));
    for (const [table, privileges] of Object.entries(grants)) {
      const ok = privileges.filter((p) => WRITES.includes(p));
      if (!present.has(table) || ok.length === 0) continue;
      await c.query(
        `GRANT ${ok.join(', ')} ON ${quoteIdent(schema)}.${quoteIdent(table)} TO ${quoteIdent(ctx.appRole)}`,
      );
    }
    await c.query(`DELETE FROM ${CONTROL_SCHEMA}.write_pauses WHERE tenant_id = $1`, [tenant]);
    await setReadOnly(c, tenant, false);
  });
  return writesPaused(ctx, tenant);
}

async function setReadOnly(c: PoolClient, tenant: string, on: boolean): Promise<void> {
  await c.query(
    `INSERT INTO ${CONTROL_SCHEMA}.tenant_controls (tenant_id, read_only) VALUES ($1, $2)
     ON CONFLICT (tenant_id) DO UPDATE SET read_only = $2, updated_at = now()
     WHERE tenant_controls.read_only IS DISTINCT FROM $2`,
    [tenant, on],
  );
}

/** The flag, the held grants, and which tables still take a write from the app role. */
export async function writesPaused(ctx: PauseContext, tenant: string): Promise<WritePauseState> {
  assertTenantId(tenant);
  return ctx.db.tx(async (c) => {
    await assertRole(c, ctx.appRole);
    const { schema } = await liveSchemaOf(c, ctx.schemaPattern, tenant);
    const { rows } = await c.query<{
      read_only: boolean | null;
      grants: Record<string, string[]> | null;
    }>(
      `SELECT (SELECT read_only FROM ${CONTROL_SCHEMA}.tenant_controls WHERE tenant_id = $1) AS read_only,
              (SELECT grants FROM ${CONTROL_SCHEMA}.write_pauses WHERE tenant_id = $1) AS grants`,
      [tenant],
    );
    const readOnly = rows[0]?.read_only ?? false;
    const writable = await probeWrites(c, schema, ctx.appRole);
    return {
      tenant,
      schema,
      readOnly,
      writable,
      paused: readOnly && writable.length === 0,
      heldGrants: rows[0]?.grants ?? null,
    };
  });
}

/**
 * Tries INSERT, UPDATE and DELETE on every table as the app role, each in a savepoint that is
 * rolled back. `WHERE false` and a NULL insert that never runs: only privileges are checked.
 */
export async function probeWrites(
  c: PoolClient,
  schema: string,
  role: string,
): Promise<TableWrites[]> {
  const { rows } = await c.query<{ name: string; col: string }>(
    `SELECT c.relname AS name,
            (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
               AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum LIMIT 1) AS col
     FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND c.relkind = 'r' ORDER BY c.relname`,
    [schema],
  );
  const out: TableWrites[] = [];
  await c.query('SAVEPOINT probe_role');
  await c.query(`SELECT set_config('role', $1, true)`, [role]);
  for (const { name, col } of rows) {
    const t = `${quoteIdent(schema)}.${quoteIdent(name)}`;
    const tries: [WritePrivilege, string][] = [
      ['INSERT', `INSERT INTO ${t} (${quoteIdent(col)}) SELECT NULL WHERE false`],
      ['UPDATE', `UPDATE ${t} SET ${quoteIdent(col)} = NULL WHERE false`],
      ['DELETE', `DELETE FROM ${t} WHERE false`],
    ];
    const accepts: WritePrivilege[] = [];
    for (const [privilege, sql] of tries) if (await accepted(c, sql)) accepts.push(privilege);
    if (accepts.length) out.push({ table: name, accepts });
  }
  await c.query('ROLLBACK TO SAVEPOINT probe_role');
  return out;
}

async function accepted(c: PoolClient, sql: string): Promise<boolean> {
  await c.query('SAVEPOINT probe_write');
  try {
    await c.query(sql);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === '42501') return false;
    throw err;
  } finally {
    await c.query('ROLLBACK TO SAVEPOINT probe_write');
  }
}

async function tablesOf(c: PoolClient, schema: string): Promise<string[]> {
  const { rows } = await c.query<{ name: string }>(
    `SELECT relname AS name FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND relkind = 'r'
     ORDER BY relname`,
    [schema],
  );
  return rows.map((r) => r.name);
}

async function assertRole(c: PoolClient, role: string): Promise<void> {
  if (!(await roleExists(c, role)))
    throw new DomainError(
      'target_no_app_role',
      `the app role ${role} (target.appRole) does not exist on the target`,
    );
}

export function describeWritable(w: TableWrites[]): string {
  return w.map((t) => `${t.table} (${t.accepts.join('/')})`).join(', ');
}
