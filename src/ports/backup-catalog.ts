import type {
  BackupFileRef,
  BackupKind,
  BackupRecord,
  BackupTable,
} from '../domain/backups/backup';

/** A backup as it starts: recorded `running` before any file is written. */
export interface NewBackup {
  id: string;
  tenantId: string;
  kind: BackupKind;
  parentId: string | null;
  host: string;
  storage: string;
  startedAt: Date;
}

/** What a finished backup adds to its catalog row. */
export interface FinishedBackup {
  /** An incremental whose parent no longer fits (new table, changed columns) is taken as a full. */
  kind: BackupKind;
  parentId: string | null;
  sourceSchema: string;
  schemaVersion: number;
  snapshotAt: Date;
  finishedAt: Date;
  bytes: number;
  tables: BackupTable[];
  structure: BackupFileRef;
  structureSha256: string;
  note: string | null;
}

/**
 * The backup catalog in tenantops' own database, one row per backup, visible per tenant
 * (row-level security): another tenant's backup id is simply not found.
 */
export interface BackupCatalog {
  /**
   * Records a backup as `running`. Starting again an id that is `running` or `failed` (a worker
   * killed mid-backup, a retry) resets it; a `complete` one is left as it is.
   */
  begin(backup: NewBackup): Promise<void>;
  complete(tenant: string, id: string, result: FinishedBackup): Promise<void>;
  fail(tenant: string, id: string, error: string): Promise<void>;
  get(tenant: string, id: string): Promise<BackupRecord | undefined>;
  /** Every backup of the tenant, newest first. */
  listOf(tenant: string): Promise<BackupRecord[]>;
  /** Each tenant's newest complete backup (platform-wide, for the RPO watch and status). */
  newestPerTenant(): Promise<BackupRecord[]>;
}
