/** How a live table compares with the newest backup. */
export type TableStatus =
  /** Same row count and SHA-256 as at the backup's snapshot. */
  | 'matches_backup'
  /** Different rows: damage if the SaaS should not have changed it, else a fact. */
  | 'changed'
  /** In the backup, gone from the live schema. */
  | 'missing'
  /** Rows could not be compared (the table's columns changed since the backup). */
  | 'not_comparable'
  /** No backup to compare with, or a table the backup does not have. */
  | 'no_backup';

export interface TableIntegrity {
  table: string;
  status: TableStatus;
  backupRows: number | null;
  rows: number | null;
  /** It was named as a table the SaaS should not have changed since the backup. */
  expectedUnchanged: boolean;
  /** What is wrong with it: checksum, constraints, indexes, sequences, orphans, amcheck. */
  problems: string[];
}

/** Where a foreign key came from: a validated constraint, a NOT VALID one, or only the backup's structure. */
export type ForeignKeySource = 'valid' | 'not_valid' | 'backup_only';

export interface OrphanCheck {
  table: string;
  constraint: string;
  columns: string[];
  /** `schema.table(columns)` */
  references: string;
  source: ForeignKeySource;
  /** Rows whose key is set but names no row of the referenced table; null: could not check. */
  orphans: number | null;
  error?: string;
}

export type AmcheckStatus =
  | { status: 'checked'; indexes: number }
  /** Installable but not installed in the target database (`CREATE EXTENSION amcheck`). */
  | { status: 'not_installed' }
  /** Not shipped with this server (PGlite, or a server without contrib). */
  | { status: 'unavailable' }
  | { status: 'no_permission'; message: string };

export interface IndexCheck {
  index: string;
  table: string;
  ok: boolean;
  error?: string;
}

/** The integrity verification of one tenant's live schema (tenant-corruption). */
export interface IntegrityReport {
  tenant: string;
  schema: string;
  /** The backup compared against (the tenant's newest complete one), if any. */
  backupId: string | null;
  backupAt: Date | null;
  tables: TableIntegrity[];
  foreignKeys: OrphanCheck[];
  amcheck: AmcheckStatus;
  /** amcheck's B-tree checks (bt_index_check with heapallindexed), when it ran. */
  indexes: IndexCheck[];
  /** The tables found damaged, for a restore of those tables. */
  damaged: string[];
  ok: boolean;
}

/** A table is damaged when anything but a change the SaaS may make is wrong with it. */
export function isDamaged(t: TableIntegrity): boolean {
  return t.problems.length > 0;
}

export function describeAmcheck(a: AmcheckStatus): string {
  switch (a.status) {
    case 'checked':
      return `amcheck: ${a.indexes} B-tree index${a.indexes === 1 ? '' : 'es'} checked`;
    case 'not_installed':
      return 'amcheck is available but not installed in the target database (CREATE EXTENSION amcheck): indexes not checked';
    case 'unavailable':
      return 'amcheck is not available on this server: indexes not checked';
    case 'no_permission':
      return `amcheck could not run (${a.message}): indexes not checked`;
  }
}

/** One line per finding, and a verdict. */
export function summarizeIntegrity(r: IntegrityReport): string {
  const compared = r.backupId
    ? `against backup ${r.backupId} (${r.backupAt?.toISOString() ?? '?'})`
    : 'with no backup to compare row counts and checksums against';
  const fks = r.foreignKeys.length;
  const head = r.ok
    ? `${r.tables.length} tables of ${r.schema} intact ${compared}; ${fks} foreign keys without orphans; ${describeAmcheck(r.amcheck)}`
    : `${r.damaged.length} damaged table${r.damaged.length === 1 ? '' : 's'} in ${r.schema} (${r.damaged.join(', ')}) ${compared}; ${describeAmcheck(r.amcheck)}`;
  return head;
}

/** Every problem, `table: problem`, for the run's report. */
export function integrityProblems(r: IntegrityReport): string[] {
  return r.tables.flatMap((t) => t.problems.map((p) => `${t.table}: ${p}`));
}
