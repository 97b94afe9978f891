import { DomainError } from '../errors';

export type BackupKind = 'full' | 'incremental';
export type BackupStatus = 'running' | 'complete' | 'failed';

/** One file of a backup in the backup storage, with what it must read back as. */
export interface BackupFileRef {
  key: string;
  bytes: number;
  /** SHA-256 of the stored (compressed) bytes: a corrupt or truncated file fails it. */
  sha256: string;
}

/**
 * How a table's rows are stored in one backup:
 * `rows`: every row (full backups); `changes`: rows upserted and primary keys deleted since the
 * parent, keyed by primary key; `whole`: every row again, in an incremental, for a table whose
 * primary key can't be ordered outside Postgres (see the README's incremental section).
 */
export type TableStorage = 'rows' | 'changes' | 'whole';

export interface BackupTable {
  name: string;
  /** Rows of the table at the snapshot (the whole table, also for incrementals). */
  rows: number;
  /** SHA-256 over the table's rows at the snapshot, COPY text, in primary-key order. */
  sha256: string;
  storage: TableStorage;
  file: BackupFileRef;
  /** Incrementals: rows inserted or changed, and rows deleted, since the parent. */
  upserts?: number;
  deletes?: number;
}

/** A backup as the catalog records it. */
export interface BackupRecord {
  id: string;
  tenantId: string;
  kind: BackupKind;
  parentId: string | null;
  status: BackupStatus;
  /** The schema it was taken from, and that schema's migration version (tenant_routing.version). */
  sourceSchema: string;
  schemaVersion: number;
  /** Host name of the worker that wrote the files (a restore elsewhere needs the shared folder). */
  host: string;
  /** Where the files are (`local:/srv/tenantops/backups`), for messages. */
  storage: string;
  snapshotAt: Date | null;
  startedAt: Date;
  finishedAt: Date | null;
  bytes: number;
  tables: BackupTable[];
  structure: BackupFileRef | null;
  /** Digest of the tables' shape; an incremental needs its parent's shape. */
  structureSha256: string | null;
  /** Why an incremental became a full, and similar facts worth showing. */
  note: string | null;
  error: string | null;
}

/** A restorable chain: a full backup, then its incrementals in order (newest last). */
export type BackupChain = readonly BackupRecord[];

const ID_RE = /^[a-z0-9][a-z0-9-]{0,99}$/;

export function isBackupId(value: string): boolean {
  return ID_RE.test(value);
}

/** `acme-20260714-030000-f3a9`: tenant, snapshot start (UTC), kind letter and a random tag. */
export function newBackupId(tenant: string, kind: BackupKind, at: Date, random: string): string {
  const iso = at.toISOString();
  const date = iso.slice(0, 10).replace(/-/g, '');
  const time = iso.slice(11, 19).replace(/:/g, '');
  return `${tenant}-${date}-${time}-${kind === 'full' ? 'f' : 'i'}${random.slice(0, 3)}`;
}

export function assertBackupId(value: string): void {
  if (!isBackupId(value))
    throw new DomainError(
      'invalid_backup_id',
      `"${value}" is not a backup id (lowercase letters, digits and -)`,
    );
}
