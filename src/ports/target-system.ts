import type { BackupChoice } from '../domain/backups/backup-chain';
import type { BackupChain, BackupKind, BackupRecord } from '../domain/backups/backup';
import type { GatewayDelivery } from '../domain/target/gateway';
import type { TenantControlPlane } from './control-plane';
import type { IntegrityVerifier } from './integrity';
import type { RlsAuditor } from './rls-audit';
import type { TargetMigrations } from './target-migrations';

export type WritePrivilege = 'INSERT' | 'UPDATE' | 'DELETE';

/** A table of the tenant's schema on which the app role's writes still go through. */
export interface TableWrites {
  table: string;
  accepts: WritePrivilege[];
}

/** Whether a tenant's writes are paused, as the flag and as a real write attempt see it. */
export interface WritePauseState {
  tenant: string;
  /** The schema the tenant's traffic uses (routing pointer). */
  schema: string;
  /** `tenant_controls.read_only`. */
  readOnly: boolean;
  /** Tables where a write as `target.appRole` was accepted (tried in a rolled-back transaction). */
  writable: TableWrites[];
  /** readOnly and no table writable. */
  paused: boolean;
  /** The app role's write grants recorded at pause, per table, that resume gives back. */
  heldGrants: Record<string, string[]> | null;
  /** Pause and resume: the POST of the read_only change to `target.gatewayUrl`. */
  gateway?: GatewayDelivery;
}

export interface BackupRequest {
  tenant: string;
  kind: BackupKind;
  /** Incrementals: the backup to diff against (default: the tenant's newest complete one). */
  parentId?: string;
  /** A caller-chosen id makes the step exactly-once: a complete backup with it is returned. */
  id?: string;
}

export interface RestoreResult {
  schema: string;
  backupId: string;
  tables: { name: string; rows: number }[];
  /** Compressed bytes read from the backup storage. */
  bytesRead: number;
}

export interface TableCheck {
  name: string;
  expectedRows: number;
  rows: number | null;
  expectedSha256: string;
  sha256: string | null;
  ok: boolean;
}

export interface ValidationReport {
  schema: string;
  backupId: string;
  ok: boolean;
  tables: TableCheck[];
  /** One line per difference: table checksums, missing constraints/indexes, FKs, sequences. */
  problems: string[];
}

export interface SwapResult {
  tenant: string;
  /** The schema the pointer left (kept for rollback); on a repeated swap, the one it left then. */
  from: string;
  to: string;
  changed: boolean;
}

/** `replaceTables`: per table, the rows the restore deleted, rewrote and added in the live schema. */
export interface TableReplaceResult {
  tenant: string;
  /** The live schema whose tables were rewritten. */
  schema: string;
  /** Where the replaced rows are kept (for rollback). */
  kept: string;
  tables: { name: string; deleted: number; updated: number; inserted: number }[];
  /** False when an earlier attempt had already done it (the kept schema was there). */
  changed: boolean;
}

export interface TablePutBackResult {
  schema: string;
  kept: string;
  tables: string[];
  /** False when there was nothing kept (already put back). */
  changed: boolean;
}

/**
 * The SaaS's tenant-data Postgres (`TARGET_DATABASE_URL`, PRODUCT §8) as the data runbooks use
 * it. Every operation checks the target's real state first, so running it twice is harmless
 * (a worker may be killed after acting and before recording). Failures are `DomainError`s with
 * a code and a message naming the problem; `target_unreachable` is the one worth retrying.
 * Tenant migrations (`tenant-migrate`) are in TargetMigrations.
 */
export interface TargetSystem
  extends TenantControlPlane, RlsAuditor, IntegrityVerifier, TargetMigrations {
  /** True for the embedded demo target (console mode without TARGET_DATABASE_URL). */
  readonly demo: boolean;
  /** Where it is, for messages: host:port/database, never a password. */
  readonly description: string;
  /** Creates `tenantops_control` (routing, controls, held grants) if missing. */
  ensureControlSchema(): Promise<void>;
  /** The tenant's live schema: its routing row, else `target.schemaPattern`. */
  schemaOf(tenant: string): Promise<string>;
  /**
   * read_only on, and INSERT/UPDATE/DELETE/TRUNCATE revoked from the app role (recorded first);
   * also the read-only mode of leak response. Pause and resume are POSTed to the gateway.
   */
  pauseWrites(tenant: string): Promise<WritePauseState>;
  /** Gives back exactly the write grants recorded at pause, on the schema routed now; read_only off. */
  resumeWrites(tenant: string): Promise<WritePauseState>;
  writesPaused(tenant: string): Promise<WritePauseState>;
  /** One consistent snapshot of the tenant's schema into the backup storage, recorded in the catalog. */
  backup(request: BackupRequest): Promise<BackupRecord>;
  /** The chain that restores `choice` (full first), from the tenant's own catalog rows. */
  chainFor(tenant: string, choice: BackupChoice): Promise<BackupChain>;
  /** Every file of the chain is present, of its size and SHA-256; else says which and which host wrote it. */
  verifyReadable(chain: BackupChain): Promise<void>;
  /** Rebuilds the chain's schema and data into `isolatedSchema` (dropped first if it exists). */
  restoreInto(tenant: string, chain: BackupChain, isolatedSchema: string): Promise<RestoreResult>;
  /**
   * Row counts and SHA-256 per table, constraints, indexes, FKs and sequences against the
   * backup; only `opts.tables` when given.
   */
  validate(
    isolatedSchema: string,
    backup: BackupRecord,
    opts?: { tables?: readonly string[] },
  ): Promise<ValidationReport>;
  /** Points the tenant's routing at `toSchema` (atomically); the schema it left stays. */
  swap(tenant: string, toSchema: string, opts?: { version?: number }): Promise<SwapResult>;
  /**
   * `tenant-restore tables=`: in one transaction, copies the live rows of `tables` into
   * `keepSchema`, then makes those tables' rows equal to `fromSchema`'s (matched by primary key),
   * sequences past the max ids. Foreign keys of other tables that would be left pointing at
   * nothing fail it first, naming the constraint, with nothing changed. Done already
   * (`keepSchema` there): `changed: false`.
   */
  replaceTables(
    tenant: string,
    fromSchema: string,
    tables: readonly string[],
    keepSchema: string,
  ): Promise<TableReplaceResult>;
  /** Puts the rows kept by `replaceTables` back (same checks, one transaction); drops `keepSchema`. */
  putBackTables(tenant: string, keepSchema: string): Promise<TablePutBackResult>;
  /** Drops a schema no tenant is routed to (never a live one); false when it was not there. */
  dropSchema(name: string): Promise<{ dropped: boolean }>;
  close(): Promise<void>;
}
