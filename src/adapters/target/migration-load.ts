import type { PoolClient } from 'pg';
import { DomainError } from '../../domain/errors';
import { routingOf, schemaExists, type Routing } from './control-schema';
import { planMigration, type MigrationPlan } from './migration-plan';
import type { Direction } from './replay';
import { lockMigration, requireRow, type MigrationRow } from './migration-state';
import { captureStructure } from './structure-capture';
import { setSearchPath } from './target-db';
import { assertTenantId } from './tenant-input';

export interface LoadedMigration {
  row: MigrationRow;
  routing: Routing;
  plan: MigrationPlan;
}

/**
 * The tenant's migration row for `m` (locked for this transaction; the file's SHA-256, when
 * given, must be the one its shadow was built from), where its routing points
 * now, and the copy plan from the old schema's structure as it is now to the shadow's.
 */
export async function loadMigration(
  c: PoolClient,
  pattern: string,
  tenant: string,
  m: { name: string; sha256?: string },
): Promise<LoadedMigration> {
  assertTenantId(tenant);
  await lockMigration(c, tenant);
  const row = await requireRow(c, tenant, m.name, m.sha256);
  const routing = await routingOf(c, pattern, tenant);
  for (const schema of [row.fromSchema, row.shadowSchema])
    if (!(await schemaExists(c, schema)))
      throw new DomainError(
        'migration_schema_missing',
        `schema ${schema} of ${tenant}'s migration ${m.name} does not exist any more: roll the run back`,
      );
  if (routing.schema !== row.fromSchema && routing.schema !== row.shadowSchema)
    throw new DomainError(
      'routing_moved',
      `tenant ${tenant} now uses ${routing.schema}, neither the schema ${m.name} started from (${row.fromSchema}) nor its shadow: roll the run back`,
    );
  await setSearchPath(c, row.fromSchema);
  const live = await captureStructure(c, row.fromSchema);
  return { row, routing, plan: planMigration(live, row.shadowStructure) };
}

/** Rows flow from the old schema into the shadow (copy, replay), or back at a rollback. */
export function forward(row: MigrationRow): Direction {
  return { from: row.fromSchema, into: row.shadowSchema, side: 'old' };
}

export function backward(row: MigrationRow): Direction {
  return { from: row.shadowSchema, into: row.fromSchema, side: 'shadow' };
}
