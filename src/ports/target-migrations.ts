/** A tenant migration file `NNNN_name.sql` in `target.migrationsDir`. */
export interface MigrationFile {
  /** `0003_add_status` (the file name without `.sql`). */
  name: string;
  /** NNNN: the tenant's `tenant_routing.version` once it is applied. */
  version: number;
  /** Where it was read, for messages. */
  path: string;
}

/** A migration's text: its SQL and its `-- check:` queries. */
export interface TenantMigration extends MigrationFile {
  sql: string;
  /** `-- check: <SQL>` lines: each returns one boolean (true passes) or zero rows (passes). */
  checks: string[];
  sha256: string;
}

/** Where a migration of the tenant stands, as the target's control tables record it. */
export type MigrationPhase = 'shadow' | 'copied' | 'ready' | 'validated' | 'switched' | 'done';

export interface MigrationState {
  tenant: string;
  migration: string;
  fromVersion: number;
  toVersion: number;
  /** The schema the tenant used before (kept after the switch, for rollback). */
  fromSchema: string;
  shadowSchema: string;
  phase: MigrationPhase;
  /** Capture triggers present on the tenant's tables. */
  capturing: boolean;
  /** Captured changes not yet replayed into the shadow. */
  pendingChanges: number;
  /** How long writes were paused at the switch. */
  pauseMs: number | null;
}

/** The tenant's schema version, flags and migration in progress (or last one). */
export interface TenantVersion {
  tenant: string;
  schema: string;
  version: number;
  flags: Record<string, unknown>;
  migration: MigrationState | null;
}

/** What a migration does to one table, as the shadow shows it. */
export interface TableChange {
  name: string;
  change: 'kept' | 'added' | 'dropped';
  addedColumns: string[];
  droppedColumns: string[];
  /** Columns whose type changed (copied with a cast, not checksummed). */
  convertedColumns: string[];
}

export interface ShadowResult {
  tenant: string;
  migration: string;
  shadowSchema: string;
  fromSchema: string;
  fromVersion: number;
  toVersion: number;
  tables: TableChange[];
  /** False when a shadow of this migration was already there. */
  created: boolean;
}

export interface CopyResult {
  shadowSchema: string;
  tables: { name: string; rows: number }[];
  rowsCopied: number;
  /** Keys replayed from the captured changes after the copy. */
  replayed: number;
  /** False when the rows were already copied (a repeated step): only a catch-up replay ran. */
  copied: boolean;
}

export interface TableComparison {
  name: string;
  rows: number;
  shadowRows: number;
  /** The columns compared (copied unchanged by the migration). */
  columns: string[];
  sha256: string;
  shadowSha256: string;
  ok: boolean;
}

export interface CheckResult {
  sql: string;
  ok: boolean;
  /** What it returned (or the error), for messages. */
  result: string;
}

export interface MigrationValidation {
  ok: boolean;
  shadowSchema: string;
  tables: TableComparison[];
  checks: CheckResult[];
  /** One line per difference or failed check. */
  problems: string[];
  replayed: number;
}

export interface SwitchResult {
  tenant: string;
  from: string;
  to: string;
  version: number;
  /** False when the tenant already used the shadow (a repeated step). */
  changed: boolean;
  /** Writes paused, from the revoke to the grants given back on the new schema. */
  pauseMs: number;
  pausedAt: Date | null;
  resumedAt: Date | null;
  /** Keys replayed while writes went on, then during the pause. */
  caughtUp: number;
  replayedInPause: number;
}

export interface PointBackResult {
  tenant: string;
  to: string;
  version: number;
  changed: boolean;
  pauseMs: number;
  /** Rows written on the new schema since the switch, carried back (common columns). */
  rowsCarriedBack: number;
}

export interface TableCount {
  table: string;
  rows: number;
  /** count(*); false: pg_class's estimate (the count ran past its time limit). */
  exact: boolean;
}

/**
 * Zero-downtime tenant migrations on the target (issue 9, `tenant-migrate`): a shadow schema at
 * the new version, filled while the tenant writes (changes captured by triggers and replayed),
 * validated, then switched in during a short write pause. Every operation checks the target's
 * real state first, so running it twice is harmless; refusals are `DomainError`s naming the
 * problem, and nothing is changed on the live schema by a refused or failed one.
 */
export interface TargetMigrations {
  /** The `NNNN_name.sql` files of `target.migrationsDir`, in order. */
  listMigrations(): Promise<MigrationFile[]>;
  /** One migration (`0003_add_status` or `0003_add_status.sql`); refused when missing. */
  readMigration(name: string): Promise<TenantMigration>;
  tenantVersion(tenant: string): Promise<TenantVersion>;
  /** The migration, refused unless it is the next one after the tenant's version. */
  nextMigration(tenant: string, name: string): Promise<TenantMigration>;
  /** Sets (or, with null, removes) one key of `tenant_controls.flags`; returns the flags. */
  setFlag(tenant: string, key: string, value: unknown): Promise<Record<string, unknown>>;
  /** The shadow schema: the live structure plus the migration (refused if it fails there). */
  createShadow(tenant: string, migration: string): Promise<ShadowResult>;
  /** Change capture on, rows copied, indexes and constraints built, captured changes replayed. */
  copyToShadow(tenant: string, migration: string): Promise<CopyResult>;
  /** Counts, checksums of the unchanged columns, and the migration's `-- check:` queries. */
  validateShadow(tenant: string, migration: string): Promise<MigrationValidation>;
  /** Pause, replay the last changes, point the tenant at the shadow with its version, resume. */
  switchToShadow(tenant: string, migration: string): Promise<SwitchResult>;
  /** After a switch: back to the old schema (writes since carried back). Else nothing. */
  pointBack(tenant: string, migration: string): Promise<PointBackResult>;
  /** Capture triggers and pending changes removed; the migration recorded as done. */
  finishMigration(tenant: string, migration: string): Promise<{ removedTriggers: number }>;
  /** Capture removed and the shadow dropped (never while the tenant uses it). */
  dropShadow(
    tenant: string,
    migration: string,
  ): Promise<{ dropped: boolean; removedTriggers: number }>;
  /** Row counts of the tenant's routed schema (the restore's 24 h watch). */
  tableCounts(tenant: string): Promise<TableCount[]>;
}
