import type { PoolClient } from 'pg';
import { CONTROL_SCHEMA } from '../../domain/backups/tenant-schema';
import { DomainError } from '../../domain/errors';
import type { MigrationPhase } from '../../ports/target-migrations';
import type { SchemaStructure } from './structure';
import type { TargetDb } from './target-db';

/** What the migration operations work with. */
export interface MigrateContext {
  db: TargetDb;
  schemaPattern: string;
  appRole: string;
  migrationsDir?: string;
  /** Connections used at once by the copy and the index builds. */
  concurrency: number;
}

/** An index or constraint of the shadow built after its rows are in (faster than row by row). */
export interface Deferred {
  table: string;
  name: string;
  kind: 'index' | 'constraint';
  sql: string;
}

/** The tenant's row of `tenant_migrations`: its migration in progress, or its last one. */
export interface MigrationRow {
  tenant: string;
  migration: string;
  sha256: string;
  fromVersion: number;
  toVersion: number;
  fromSchema: string;
  shadowSchema: string;
  phase: MigrationPhase;
  shadowStructure: SchemaStructure;
  deferred: Deferred[];
  pauseMs: number | null;
}

const PHASES: MigrationPhase[] = ['shadow', 'copied', 'ready', 'validated', 'switched', 'done'];

export function phaseAtLeast(phase: MigrationPhase, least: MigrationPhase): boolean {
  return PHASES.indexOf(phase) >= PHASES.indexOf(least);
}

/** One migration step of a tenant at a time, across workers (until the transaction ends). */
export async function lockMigration(c: PoolClient, tenant: string): Promise<void> {
  await c.query(`SELECT pg_advisory_xact_lock(hashtext('tenantops:migrate:' || $1))`, [tenant]);
}

export async function migrationRow(c: PoolClient, tenant: string): Promise<MigrationRow | null> {
  const { rows } = await c.query<{
    migration: string;
    sha256: string;
    from_version: number;
    to_version: number;
    from_schema: string;
    shadow_schema: string;
    phase: MigrationPhase;
    shadow_structure: SchemaStructure;
    deferred: Deferred[];
    pause_ms: number | null;
  }>(`SELECT * FROM ${CONTROL_SCHEMA}.tenant_migrations WHERE tenant_id = $1`, [tenant]);
  const r = rows[0];
  if (!r) return null;
  return {
    tenant,
    migration: r.migration,
    sha256: r.sha256,
    fromVersion: r.from_version,
    toVersion: r.to_version,
    fromSchema: r.from_schema,
    shadowSchema: r.shadow_schema,
    phase: r.phase,
    shadowStructure: r.shadow_structure,
    deferred: r.deferred,
    pauseMs: r.pause_ms,
  };
}

/**
 * The tenant's row for migration `name`; refused when another one is in progress or none was
 * started, or (given the file's `sha256`) when the file changed since its shadow was built.
 */
export async function requireRow(
  c: PoolClient,
  tenant: string,
  name: string,
  sha256?: string,
): Promise<MigrationRow> {
  const row = await migrationRow(c, tenant);
  if (!row || row.migration !== name)
    throw new DomainError(
      'migration_not_started',
      row && row.phase !== 'done'
        ? `tenant ${tenant} is in migration ${row.migration} (${row.phase}), not ${name}`
        : `migration ${name} of tenant ${tenant} has no shadow schema yet`,
    );
  if (sha256 && row.sha256 !== sha256)
    throw new DomainError(
      'migration_changed',
      `${name}.sql changed since the shadow ${row.shadowSchema} was built from it: roll the run back and start again`,
    );
  return row;
}

export async function insertRow(c: PoolClient, row: MigrationRow): Promise<void> {
  await c.query(
    `INSERT INTO ${CONTROL_SCHEMA}.tenant_migrations (tenant_id, migration, sha256, from_version,
       to_version, from_schema, shadow_schema, phase, shadow_structure, deferred)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (tenant_id) DO UPDATE SET migration = $2, sha256 = $3, from_version = $4,
       to_version = $5, from_schema = $6, shadow_schema = $7, phase = $8, shadow_structure = $9,
       deferred = $10, pause_ms = NULL, started_at = now(), updated_at = now()`,
    [
      row.tenant,
      row.migration,
      row.sha256,
      row.fromVersion,
      row.toVersion,
      row.fromSchema,
      row.shadowSchema,
      row.phase,
      JSON.stringify(row.shadowStructure),
      JSON.stringify(row.deferred),
    ],
  );
}

export async function setPhase(
  c: PoolClient,
  tenant: string,
  phase: MigrationPhase,
  pauseMs?: number,
): Promise<void> {
  await c.query(
    `UPDATE ${CONTROL_SCHEMA}.tenant_migrations SET phase = $2, pause_ms = coalesce($3, pause_ms),
       updated_at = now() WHERE tenant_id = $1`,
    [tenant, phase, pauseMs === undefined ? null : Math.round(pauseMs)],
  );
}

export async function deleteRow(c: PoolClient, tenant: string): Promise<void> {
  await c.query(`DELETE FROM ${CONTROL_SCHEMA}.tenant_migrations WHERE tenant_id = $1`, [tenant]);
}

/** Sets one key of `tenant_controls.flags` (null removes it); returns the flags. */
export async function setFlag(
  c: PoolClient,
  tenant: string,
  key: string,
  value: unknown,
): Promise<Record<string, unknown>> {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(key))
    throw new DomainError('invalid_flag', `"${key}" is not a flag name (a-z, 0-9 and _)`);
  const { rows } = await c.query<{ flags: Record<string, unknown> }>(
    `INSERT INTO ${CONTROL_SCHEMA}.tenant_controls AS t (tenant_id, flags)
     VALUES ($1, CASE WHEN $3::jsonb IS NULL THEN '{}'::jsonb ELSE jsonb_build_object($2::text, $3::jsonb) END)
     ON CONFLICT (tenant_id) DO UPDATE SET
       flags = CASE WHEN $3::jsonb IS NULL THEN t.flags - $2::text ELSE t.flags || jsonb_build_object($2::text, $3::jsonb) END,
       updated_at = now()
     WHERE t.flags IS DISTINCT FROM (CASE WHEN $3::jsonb IS NULL THEN t.flags - $2::text ELSE t.flags || jsonb_build_object($2::text, $3::jsonb) END)
     RETURNING flags`,
    [tenant, key, value === null || value === undefined ? null : JSON.stringify(value)],
  );
  return rows[0]?.flags ?? (await flagsOf(c, tenant));
}

export async function flagsOf(c: PoolClient, tenant: string): Promise<Record<string, unknown>> {
  const { rows } = await c.query<{ flags: Record<string, unknown> }>(
    `SELECT flags FROM ${CONTROL_SCHEMA}.tenant_controls WHERE tenant_id = $1`,
    [tenant],
  );
  return rows[0]?.flags ?? {};
}
