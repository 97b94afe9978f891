import type { Run, RunbookName } from '../../domain/runbooks/runbook';
import type { AuditTrail } from '../../ports/audit-trail';
import type { TenantKeys } from '../../ports/tenant-keys';
import type { TenantAlertHistory, TenantLoadSource } from '../../ports/tenant-load';
import type { Actor } from '../incident-deps';

/** The security incident a leak response opened or joined (its 72 h notification clock runs). */
export interface SecurityIncidentRef {
  number: number;
  /** Declared by this call (false: an existing incident was joined). */
  opened: boolean;
  /** What was done to it: declared, raised to P1, marked as security... */
  actions: string[];
  channel: string | null;
  threadTs: string | null;
  declaredAt: Date;
  /** When the customers must have been notified (aware + security.notifyWithin), when known. */
  notifyDueAt: Date | null;
}

/** Opening or joining a P1 security incident for a tenant, as a person (the run's requester). */
export interface SecurityIncidents {
  /**
   * Joins incident `ref` (or else the tenant's open security incident, or an open one with the
   * same title: a retried step joins what it opened), else declares a P1; raises it to P1 and
   * marks it as a security incident when it isn't, which starts the 72 h notification clock.
   */
  openOrJoin(
    actor: Actor,
    tenant: string,
    opts: { ref?: number; title: string },
  ): Promise<SecurityIncidentRef>;
}

/** A run a step starts for its requester (corruption → restore). */
export interface FollowUpRun {
  runbook: RunbookName;
  tenant: string;
  params: Record<string, string>;
}

/**
 * What the incident and security runbooks (issue 10) use besides the target: tenant keys, the
 * tenant's load, tenantops' audit log, security incidents, the tenant registry, follow-up runs.
 */
export interface IncidentRunbookOps {
  /** Vault (or the dev-only local keyring). */
  keys?: TenantKeys;
  load?: TenantLoadSource;
  /** The tenant's alerts (firing, or resolved since a time): the restore's after-care watch. */
  alerts?: TenantAlertHistory;
  audit: AuditTrail;
  security?: SecurityIncidents;
  /** Every registered tenant's id (the RLS audit maps schemas to tenants with it). */
  tenantIds(): Promise<string[]>;
  /** Starts a run as `actor` (their roles are checked as for `/runbook run`). */
  startFollowUp(actor: Actor, req: FollowUpRun): Promise<Run>;
}
