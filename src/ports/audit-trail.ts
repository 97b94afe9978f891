/** One row of tenantops' own audit log, as an incident's extract shows it. */
export interface AuditTrailRow {
  at: Date;
  actor: string;
  action: string;
  outcome: 'allowed' | 'denied' | 'rejected';
  /** The tenants the row concerns (others than the extract's tenant are named "another tenant"). */
  tenantIds: string[];
  incident: number | null;
  reason: string | null;
}

/**
 * Reads tenantops' append-only audit log for one tenant (row-level security: only rows that
 * concern it), oldest first, for the audit-log extract a leak response files in the incident.
 */
export interface AuditTrail {
  rowsOf(tenant: string, window: { from: Date; to: Date }, limit: number): Promise<AuditTrailRow[]>;
}
