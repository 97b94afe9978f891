import type { PoolClient } from 'pg';
import { defaultSchemaName, isolatedSchemaName } from '../../domain/backups/tenant-schema';
import { DomainError } from '../../domain/errors';
import type { ShadowResult, TenantMigration } from '../../ports/target-migrations';
import { liveSchemaOf, schemaExists, type Routing } from './control-schema';
import { assertNextMigration, listMigrationFiles, splitStatements } from './migration-files';
import { planMigration } from './migration-plan';
import { deferKeysAndIndexes } from './migration-deferred';
import { liveGrants, newObjectGrants } from './migration-grants';
import { assertStaysInShadow, heldLocks } from './migration-sandbox';
import { insertRow, lockMigration, migrationRow, type MigrateContext } from './migration-state';
import { guardDroppable, markSchema } from './routing';
import type { SchemaStructure } from './structure';
import { captureStructure } from './structure-capture';
import {
  checkAndForeignKeyStatements,
  createStatements,
  indexStatements,
  sequenceStatements,
} from './structure-ddl';
import { quoteIdent, setSearchPath } from './target-db';
import { assertTenantId } from './tenant-input';

/** A migration may wait this long for a lock (it only touches the shadow, so it should not wait). */
const MIGRATION_LOCK_TIMEOUT = '5s';

/**
 * Builds the shadow schema in one transaction: the live schema's structure (tables, keys,
 * indexes, constraints, sequences, grants but the app role's writes), then the migration's SQL
 * on it. A migration that fails there, or that reaches outside the shadow, rolls it all back:
 * nothing exists afterwards and the live schema was never touched. The kept tables' keys,
 * indexes and foreign keys are then dropped (recorded, built again after the copy).
 */
export async function createShadow(
  ctx: MigrateContext,
  tenant: string,
  m: TenantMigration,
): Promise<ShadowResult> {
  assertTenantId(tenant);
  const files = await listMigrationFiles(ctx.migrationsDir);
  return ctx.db.tx(
    async (c) => {
      await lockMigration(c, tenant);
      const routing = await liveSchemaOf(c, ctx.schemaPattern, tenant);
      const existing = await migrationRow(c, tenant);
      if (existing && existing.phase !== 'done') {
        if (existing.migration !== m.name)
          throw new DomainError(
            'migration_in_progress',
            `tenant ${tenant} is in migration ${existing.migration} (${existing.phase}, shadow ${existing.shadowSchema}): roll it back before ${m.name}`,
          );
        if (existing.sha256 !== m.sha256)
          throw new DomainError(
            'migration_changed',
            `${m.name}.sql changed since the shadow ${existing.shadowSchema} was built from it: roll the run back and start again`,
          );
        if (await schemaExists(c, existing.shadowSchema)) {
          await setSearchPath(c, existing.fromSchema);
          const live = await captureStructure(c, existing.fromSchema);
          return result(
            tenant,
            m,
            existing.fromSchema,
            existing.shadowSchema,
            existing.fromVersion,
            live,
            existing.shadowStructure,
            false,
          );
        }
        if (existing.phase !== 'shadow')
          throw new DomainError(
            'shadow_lost',
            `the shadow ${existing.shadowSchema} of ${m.name} is gone though rows were copied into it: roll the run back and start again`,
          );
      }
      assertNextMigration(files, tenant, routing.version, m);
      return build(ctx, c, tenant, m, routing);
    },
    { isolation: 'repeatable read' },
  );
}

async function build(
  ctx: MigrateContext,
  c: PoolClient,
  tenant: string,
  m: TenantMigration,
  routing: Routing,
): Promise<ShadowResult> {
  const shadow = isolatedSchemaName(defaultSchemaName(ctx.schemaPattern, tenant), `v${m.version}`);
  if (shadow === routing.schema)
    throw new DomainError(
      'shadow_is_live',
      `the shadow of ${m.name} would be ${shadow}, which is ${tenant}'s live schema`,
    );
  await guardDroppable(c, shadow);
  await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(shadow)} CASCADE`);
  await setSearchPath(c, routing.schema);
  const live = await captureStructure(c, routing.schema);
  await setSearchPath(c, shadow);
  for (const sql of createStatements(live, shadow)) await c.query(sql);
  for (const t of live.tables) for (const sql of indexStatements(t)) await c.query(sql);
  for (const sql of [...checkAndForeignKeyStatements(live), ...sequenceStatements(live)])
    await c.query(sql);
  for (const sql of await liveGrants(c, ctx.appRole, live, shadow)) await c.query(sql);

  const before = await heldLocks(c);
  await runMigration(c, m, shadow);
  await assertStaysInShadow(c, m, shadow, before);
  await setSearchPath(c, shadow);
  await assertKeptTablesEmpty(c, m, shadow, live);
  const after = await captureShadow(c, m, shadow);
  planMigration(live, after);
  for (const sql of newObjectGrants(ctx.appRole, live, after)) await c.query(sql);
  const deferred = await deferKeysAndIndexes(c, live, after);
  await markSchema(c, shadow, tenant, `shadow of migration ${m.name}`);
  await insertRow(c, {
    tenant,
    migration: m.name,
    sha256: m.sha256,
    fromVersion: routing.version,
    toVersion: m.version,
    fromSchema: routing.schema,
    shadowSchema: shadow,
    phase: 'shadow',
    shadowStructure: after,
    deferred,
    pauseMs: null,
  });
  return result(tenant, m, routing.schema, shadow, routing.version, live, after, true);
}

function result(
  tenant: string,
  m: TenantMigration,
  fromSchema: string,
  shadowSchema: string,
  fromVersion: number,
  live: SchemaStructure,
  after: SchemaStructure,
  created: boolean,
): ShadowResult {
  const { changes } = planMigration(live, after);
  return {
    tenant,
    migration: m.name,
    shadowSchema,
    fromSchema,
    fromVersion,
    toVersion: m.version,
    tables: changes,
    created,
  };
}

async function runMigration(c: PoolClient, m: TenantMigration, shadow: string): Promise<void> {
  await c.query(`SELECT set_config('lock_timeout', $1, true)`, [MIGRATION_LOCK_TIMEOUT]);
  // One statement at a time, so a failure names its line.
  for (const { sql, line } of splitStatements(m.sql)) {
    try {
      await c.query(sql);
    } catch (err) {
      const e = err as { message?: string; position?: string };
      const at = e.position ? line - 1 + sql.slice(0, Number(e.position)).split('\n').length : line;
      throw new DomainError(
        'migration_failed',
        `${m.name} fails on the shadow schema at line ${at} (${firstLine(sql)}): ${e.message ?? String(err)}. Nothing was changed: the shadow ${shadow} was not kept and the live schema was not touched`,
      );
    }
  }
  // A migration may have moved these; what follows runs as tenantops, in the shadow.
  await c.query('RESET ROLE');
}

function firstLine(sql: string): string {
  const first = sql.split('\n')[0]!.trim();
  return first.length > 80 ? `${first.slice(0, 77)}...` : first;
}

/** A data statement on a kept table would be lost: the copy brings the live rows over it. */
async function assertKeptTablesEmpty(
  c: PoolClient,
  m: TenantMigration,
  shadow: string,
  live: SchemaStructure,
): Promise<void> {
  for (const t of live.tables) {
    const { rows } = await c.query<{ present: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL AS present`,
      [`${quoteIdent(shadow)}.${quoteIdent(t.name)}`],
    );
    if (!rows[0]?.present) continue;
    const filled = await c.query(
      `SELECT 1 FROM ${quoteIdent(shadow)}.${quoteIdent(t.name)} LIMIT 1`,
    );
    if (filled.rows.length)
      throw new DomainError(
        'migration_writes_rows',
        `${m.name} inserts rows into the existing table ${t.name}: tenant-migrate copies the live rows into the shadow, so they would be lost. Give new columns a DEFAULT, and change data in a later step`,
      );
  }
}

async function captureShadow(
  c: PoolClient,
  m: TenantMigration,
  shadow: string,
): Promise<SchemaStructure> {
  try {
    return await captureStructure(c, shadow);
  } catch (err) {
    if (err instanceof DomainError && err.code === 'unsupported_schema_object')
      throw new DomainError(
        'migration_unsupported',
        `${m.name} creates what tenant-migrate (and the backups) cannot carry: ${err.message.replace(/^.*cannot rebuild yet: /, '')}`,
      );
    throw err;
  }
}
