import type {
  CopyResult,
  MigrationFile,
  MigrationValidation,
  PointBackResult,
  ShadowResult,
  SwitchResult,
  TableCount,
  TargetMigrations,
  TenantMigration,
  TenantVersion,
} from '../../ports/target-migrations';
import { pendingChanges, captureTriggers } from './change-capture';
import { liveSchemaOf } from './control-schema';
import { copyToShadow } from './migration-copy';
import { assertNextMigration, listMigrationFiles, readMigrationFile } from './migration-files';
import { createShadow } from './migration-shadow';
import { flagsOf, migrationRow, setFlag } from './migration-state';
import { dropShadow, pointBack } from './migration-rollback';
import { finishMigration, switchToShadow, type SwitchContext } from './migration-switch';
import { validateShadow } from './migration-validate';
import { tableCounts } from './table-counts';
import { assertTenantId } from './tenant-input';

/** TargetMigrations on a real (or the embedded demo) Postgres; see the port. */
export class PgTargetMigrations implements TargetMigrations {
  constructor(
    private readonly ctx: SwitchContext,
    /** Creates the control schema once (tables, capture function) before the first use. */
    private readonly ready: () => Promise<void>,
  ) {}

  listMigrations(): Promise<MigrationFile[]> {
    return listMigrationFiles(this.ctx.migrationsDir);
  }

  readMigration(name: string): Promise<TenantMigration> {
    return readMigrationFile(this.ctx.migrationsDir, name);
  }

  async tenantVersion(tenant: string): Promise<TenantVersion> {
    assertTenantId(tenant);
    await this.ready();
    return this.ctx.db.tx(async (c) => {
      const routing = await liveSchemaOf(c, this.ctx.schemaPattern, tenant);
      const row = await migrationRow(c, tenant);
      const triggers = row ? await captureTriggers(c, row.fromSchema) : new Map();
      return {
        tenant,
        schema: routing.schema,
        version: routing.version,
        flags: await flagsOf(c, tenant),
        migration: row && {
          tenant,
          migration: row.migration,
          fromVersion: row.fromVersion,
          toVersion: row.toVersion,
          fromSchema: row.fromSchema,
          shadowSchema: row.shadowSchema,
          phase: row.phase,
          capturing: triggers.size > 0,
          pendingChanges: await pendingChanges(c, tenant),
          pauseMs: row.pauseMs,
        },
      };
    });
  }

  async nextMigration(tenant: string, name: string): Promise<TenantMigration> {
    const m = await this.readMigration(name);
    const { version, migration } = await this.tenantVersion(tenant);
    // The migration under way (or just done) is its own next step: its steps may be retried.
    if (migration?.migration === m.name && migration.phase !== 'done') return m;
    assertNextMigration(await this.listMigrations(), tenant, version, m);
    return m;
  }

  async setFlag(tenant: string, key: string, value: unknown): Promise<Record<string, unknown>> {
    assertTenantId(tenant);
    await this.ready();
    return this.ctx.db.tx((c) => setFlag(c, tenant, key, value));
  }

  async createShadow(tenant: string, migration: string): Promise<ShadowResult> {
    const m = await this.readMigration(migration);
    await this.ready();
    return createShadow(this.ctx, tenant, m);
  }

  async copyToShadow(tenant: string, migration: string): Promise<CopyResult> {
    const m = await this.readMigration(migration);
    await this.ready();
    return copyToShadow(this.ctx, tenant, m);
  }

  async validateShadow(tenant: string, migration: string): Promise<MigrationValidation> {
    const m = await this.readMigration(migration);
    await this.ready();
    return validateShadow(this.ctx, tenant, m);
  }

  async switchToShadow(tenant: string, migration: string): Promise<SwitchResult> {
    const m = await this.readMigration(migration);
    await this.ready();
    return switchToShadow(this.ctx, tenant, m);
  }

  // Rollback works from what the target recorded, even if the file was changed or removed.
  async pointBack(tenant: string, migration: string): Promise<PointBackResult> {
    assertTenantId(tenant);
    await this.ready();
    return pointBack(this.ctx, tenant, migration);
  }

  async finishMigration(tenant: string, migration: string): Promise<{ removedTriggers: number }> {
    assertTenantId(tenant);
    await this.ready();
    return finishMigration(this.ctx, tenant, migration);
  }

  async dropShadow(
    tenant: string,
    migration: string,
  ): Promise<{ dropped: boolean; removedTriggers: number }> {
    assertTenantId(tenant);
    await this.ready();
    return dropShadow(this.ctx, tenant, migration);
  }

  async tableCounts(tenant: string): Promise<TableCount[]> {
    await this.ready();
    return tableCounts(this.ctx.db, this.ctx.schemaPattern, tenant);
  }
}
