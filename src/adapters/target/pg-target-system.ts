import { hostname } from 'node:os';
import type { BackupChain, BackupRecord } from '../../domain/backups/backup';
import { selectChain, type BackupChoice } from '../../domain/backups/backup-chain';
import type { BackupCatalog } from '../../ports/backup-catalog';
import type { BackupStorage } from '../../ports/backup-storage';
import type { ControlGateway } from '../../ports/control-gateway';
import type { ControlChange, ControlsView, ControlUndo } from '../../ports/control-plane';
import type { ControlSetting } from '../../domain/target/controls';
import type {
  CopyResult,
  MigrationFile,
  MigrationValidation,
  PointBackResult,
  ShadowResult,
  SwitchResult,
  TableCount,
  TenantMigration,
  TenantVersion,
} from '../../ports/target-migrations';
import type {
  BackupRequest,
  RestoreResult,
  SwapResult,
  TablePutBackResult,
  TableReplaceResult,
  TargetSystem,
  ValidationReport,
  WritePauseState,
} from '../../ports/target-system';
import { verifyFile } from './backup-files';
import {
  applyControls,
  controlsOf,
  publish,
  undoControls,
  type ControlContext,
} from './control-plane';
import { readControls } from './control-rows';
import { auditRls } from './rls-audit';
import { verifyIntegrity } from './integrity';
import type { IntegrityRequest } from '../../ports/integrity';
import type { IntegrityReport } from '../../domain/target/integrity';
import type { RlsAuditReport } from '../../domain/target/rls-audit';
import { takeBackup, type BackupContext } from './backup-writer';
import { ensureControlSchema, liveSchemaOf } from './control-schema';
import { PgTargetMigrations } from './pg-target-migrations';
import { restoreInto, type RestoreContext } from './restore';
import { dropSchema, swap } from './routing';
import { putBackTables, replaceTables } from './table-restore';
import { TargetDb } from './target-db';
import { assertTenantId } from './tenant-input';
import { validate } from './validate';
import { pauseWrites, resumeWrites, writesPaused, type PauseContext } from './write-pause';

export interface PgTargetSystemOptions {
  /** TARGET_DATABASE_URL (or the demo target's). */
  url: string;
  schemaPattern: string;
  appRole: string;
  storage: BackupStorage;
  catalog: BackupCatalog;
  demo?: boolean;
  /** Connections used at once by one backup, restore or validation (default 2). */
  concurrency?: number;
  /** How long a pause waits for writes in flight (default 10 s). */
  drainTimeoutMs?: number;
  /** Recorded with each backup (default: this machine's host name). */
  host?: string;
  /** Where control changes are also POSTed, signed (target.gatewayUrl). */
  gateway?: ControlGateway;
  /** target.migrationsDir, resolved (see resolveMigrationsDir). */
  migrationsDir?: string;
  /** Runs after the pool is closed (the demo target stops its embedded Postgres). */
  onClose?: () => Promise<void>;
}

/** The target system on a real Postgres (or the embedded demo one), see TargetSystem. */
export class PgTargetSystem implements TargetSystem {
  readonly demo: boolean;
  readonly description: string;
  private readonly db: TargetDb;
  private readonly migrations: PgTargetMigrations;
  private controlReady?: Promise<void>;

  constructor(private readonly opts: PgTargetSystemOptions) {
    const concurrency = opts.concurrency ?? 2;
    this.db = new TargetDb(opts.url, concurrency + 2);
    this.demo = opts.demo ?? false;
    this.description = this.demo ? `demo target (${this.db.description})` : this.db.description;
    this.migrations = new PgTargetMigrations(
      {
        db: this.db,
        schemaPattern: opts.schemaPattern,
        appRole: opts.appRole,
        migrationsDir: opts.migrationsDir,
        concurrency,
        pause: this.pauseCtx(),
      },
      () => this.ready(),
    );
  }

  private get concurrency(): number {
    return this.opts.concurrency ?? 2;
  }

  private async ready(): Promise<void> {
    this.controlReady ??= this.ensureControlSchema().catch((err: unknown) => {
      this.controlReady = undefined;
      throw err;
    });
    await this.controlReady;
  }

  private pauseCtx(): PauseContext {
    const { schemaPattern, appRole, drainTimeoutMs = 10_000 } = this.opts;
    return { db: this.db, schemaPattern, appRole, drainTimeoutMs };
  }

  private backupCtx(): BackupContext {
    const { storage, catalog, schemaPattern, host = hostname() } = this.opts;
    return { db: this.db, storage, catalog, schemaPattern, host, concurrency: this.concurrency };
  }

  private restoreCtx(): RestoreContext {
    const { storage, schemaPattern, appRole } = this.opts;
    return { db: this.db, storage, schemaPattern, appRole, concurrency: this.concurrency };
  }

  private controlCtx(): ControlContext {
    const { schemaPattern, gateway } = this.opts;
    return { db: this.db, schemaPattern, gateway };
  }

  /** Tells the gateway the tenant's read_only switch as it is now. */
  private async publishPause(state: WritePauseState): Promise<WritePauseState> {
    if (!this.opts.gateway) return state;
    const controls = await this.db.tx((c) => readControls(c, state.tenant));
    const action = controls.readOnly ? 'read_only' : 'writable';
    return {
      ...state,
      gateway: await publish(this.controlCtx(), { tenant: state.tenant, action, controls }),
    };
  }

  async controlsOf(tenant: string): Promise<ControlsView> {
    await this.ready();
    return controlsOf(this.controlCtx(), tenant);
  }

  async applyControls(
    tenant: string,
    settings: ControlSetting[],
    opts: { hold: string },
  ): Promise<ControlChange> {
    await this.ready();
    return applyControls(this.controlCtx(), tenant, settings, opts.hold);
  }

  async undoControls(tenant: string, hold: string): Promise<ControlUndo> {
    await this.ready();
    return undoControls(this.controlCtx(), tenant, hold);
  }

  async auditRls(tenants: readonly string[]): Promise<RlsAuditReport> {
    await this.ready();
    const { schemaPattern, appRole } = this.opts;
    return auditRls({ db: this.db, schemaPattern, appRole }, tenants);
  }

  async verifyIntegrity(tenant: string, request?: IntegrityRequest): Promise<IntegrityReport> {
    await this.ready();
    const { storage, catalog, schemaPattern } = this.opts;
    const ctx = { db: this.db, storage, catalog, schemaPattern, concurrency: this.concurrency };
    return verifyIntegrity(ctx, tenant, request);
  }

  ensureControlSchema(): Promise<void> {
    return ensureControlSchema(this.db, this.opts.appRole);
  }

  async schemaOf(tenant: string): Promise<string> {
    assertTenantId(tenant);
    await this.ready();
    return this.db.tx(async (c) => (await liveSchemaOf(c, this.opts.schemaPattern, tenant)).schema);
  }

  async pauseWrites(tenant: string): Promise<WritePauseState> {
    await this.ready();
    return this.publishPause(await pauseWrites(this.pauseCtx(), tenant));
  }

  async resumeWrites(tenant: string): Promise<WritePauseState> {
    await this.ready();
    return this.publishPause(await resumeWrites(this.pauseCtx(), tenant));
  }

  async writesPaused(tenant: string): Promise<WritePauseState> {
    await this.ready();
    return writesPaused(this.pauseCtx(), tenant);
  }

  async backup(request: BackupRequest): Promise<BackupRecord> {
    await this.ready();
    return takeBackup(this.backupCtx(), request);
  }

  async chainFor(tenant: string, choice: BackupChoice): Promise<BackupChain> {
    assertTenantId(tenant);
    return selectChain(tenant, await this.opts.catalog.listOf(tenant), choice);
  }

  async verifyReadable(chain: BackupChain): Promise<void> {
    for (const b of chain)
      for (const ref of [...(b.structure ? [b.structure] : []), ...b.tables.map((t) => t.file)])
        await verifyFile(this.opts.storage, ref, b);
  }

  async restoreInto(
    tenant: string,
    chain: BackupChain,
    isolatedSchema: string,
  ): Promise<RestoreResult> {
    await this.ready();
    return restoreInto(this.restoreCtx(), tenant, chain, isolatedSchema);
  }

  validate(
    isolatedSchema: string,
    backup: BackupRecord,
    opts: { tables?: readonly string[] } = {},
  ): Promise<ValidationReport> {
    const { storage } = this.opts;
    return validate(
      { db: this.db, storage, concurrency: this.concurrency },
      isolatedSchema,
      backup,
      opts.tables,
    );
  }

  async replaceTables(
    tenant: string,
    fromSchema: string,
    tables: readonly string[],
    keepSchema: string,
  ): Promise<TableReplaceResult> {
    await this.ready();
    return replaceTables(this.db, this.opts.schemaPattern, tenant, fromSchema, tables, keepSchema);
  }

  async putBackTables(tenant: string, keepSchema: string): Promise<TablePutBackResult> {
    await this.ready();
    return putBackTables(this.db, this.opts.schemaPattern, tenant, keepSchema);
  }

  async swap(
    tenant: string,
    toSchema: string,
    opts: { version?: number } = {},
  ): Promise<SwapResult> {
    await this.ready();
    return swap(this.db, this.opts.schemaPattern, tenant, toSchema, opts.version);
  }

  async dropSchema(name: string): Promise<{ dropped: boolean }> {
    await this.ready();
    return dropSchema(this.db, name);
  }

  listMigrations(): Promise<MigrationFile[]> {
    return this.migrations.listMigrations();
  }

  readMigration(name: string): Promise<TenantMigration> {
    return this.migrations.readMigration(name);
  }

  tenantVersion(tenant: string): Promise<TenantVersion> {
    return this.migrations.tenantVersion(tenant);
  }

  nextMigration(tenant: string, name: string): Promise<TenantMigration> {
    return this.migrations.nextMigration(tenant, name);
  }

  setFlag(tenant: string, key: string, value: unknown): Promise<Record<string, unknown>> {
    return this.migrations.setFlag(tenant, key, value);
  }

  createShadow(tenant: string, migration: string): Promise<ShadowResult> {
    return this.migrations.createShadow(tenant, migration);
  }

  copyToShadow(tenant: string, migration: string): Promise<CopyResult> {
    return this.migrations.copyToShadow(tenant, migration);
  }

  validateShadow(tenant: string, migration: string): Promise<MigrationValidation> {
    return this.migrations.validateShadow(tenant, migration);
  }

  switchToShadow(tenant: string, migration: string): Promise<SwitchResult> {
    return this.migrations.switchToShadow(tenant, migration);
  }

  pointBack(tenant: string, migration: string): Promise<PointBackResult> {
    return this.migrations.pointBack(tenant, migration);
  }

  finishMigration(tenant: string, migration: string): Promise<{ removedTriggers: number }> {
    return this.migrations.finishMigration(tenant, migration);
  }

  dropShadow(
    tenant: string,
    migration: string,
  ): Promise<{ dropped: boolean; removedTriggers: number }> {
    return this.migrations.dropShadow(tenant, migration);
  }

  tableCounts(tenant: string): Promise<TableCount[]> {
    return this.migrations.tableCounts(tenant);
  }

  async close(): Promise<void> {
    await this.db.close();
    await this.opts.onClose?.();
  }
}
