import type { IntegrityReport } from '../domain/target/integrity';

export interface IntegrityRequest {
  /** Tables to verify (default: every table of the live schema and of the backup). */
  tables?: string[];
  /**
   * Tables the SaaS should not have changed since the backup (reference data, closed periods):
   * for them a different row count or checksum is damage. Other tables' differences are facts
   * shown in the report (`status: changed`), since the SaaS keeps writing.
   */
  unchanged?: string[];
  /** Compare with this backup of the tenant instead of its newest complete one. */
  backupId?: string;
}

/**
 * Integrity verification of a tenant's live schema for `tenant-corruption` (issue 10): per table,
 * row count and SHA-256 against the newest backup (the backups' own checksum, COPY text in key
 * order), the backup's constraints, indexes and sequences still there and valid; a scan for
 * orphaned foreign keys (rows whose key names no parent row, whether the constraint is valid,
 * NOT VALID, or only in the backup's structure); and amcheck's `bt_index_check` on every B-tree
 * index where the extension is installed (the report says when it is not). Reads only.
 * Unknown table names are refused before anything is read.
 */
export interface IntegrityVerifier {
  verifyIntegrity(tenant: string, request?: IntegrityRequest): Promise<IntegrityReport>;
}
