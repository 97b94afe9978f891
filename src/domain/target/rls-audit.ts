/** How bad a finding is: critical and high mean data can cross tenants now or with one mistake. */
export type Severity = 'critical' | 'high' | 'medium' | 'low';

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

export type RlsFindingKind =
  | 'rls_not_enabled'
  | 'rls_not_forced'
  | 'no_policy'
  | 'policy_always_true'
  | 'policy_not_tenant_scoped'
  | 'privileged_app_role'
  | 'app_role_missing'
  | 'unrouted_schema_access'
  | 'cross_tenant_grant'
  | 'view_without_security_invoker'
  | 'security_definer_function';

/** One gap the audit found: the object, what kind of gap, how bad, and why it matters. */
export interface RlsFinding {
  kind: RlsFindingKind;
  severity: Severity;
  /** The object, as a person would name it: `table public.orders`, `role saas_admin`. */
  object: string;
  why: string;
  /** Tenants whose data it exposes; empty: every tenant (a shared table, the app role). */
  tenants: string[];
}

/** What the audit looked at: the evidence behind a pass. */
export interface RlsAuditCounts {
  schemas: number;
  tenantSchemas: number;
  /** Tables holding a tenant_id column. */
  tenantTables: number;
  policies: number;
  views: number;
  definerFunctions: number;
  /** Roles whose reach into tenant schemas was checked. */
  roles: number;
}

export interface RlsAuditReport {
  /** Where: host:port/database of the target. */
  target: string;
  appRole: string;
  checkedAt: Date;
  checked: RlsAuditCounts;
  /** Most severe first. */
  findings: RlsFinding[];
  /** No finding of medium severity or worse (low ones are notes, e.g. schemas kept for rollback). */
  passed: boolean;
}

export function rank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function sortFindings(findings: RlsFinding[]): RlsFinding[] {
  return [...findings].sort(
    (a, b) => rank(a.severity) - rank(b.severity) || a.object.localeCompare(b.object),
  );
}

export function auditPasses(findings: readonly RlsFinding[]): boolean {
  return findings.every((f) => f.severity === 'low');
}

/** The findings that concern one tenant: its own, and those that concern every tenant. */
export function findingsFor(report: RlsAuditReport, tenant: string): RlsFinding[] {
  return report.findings.filter((f) => f.tenants.length === 0 || f.tenants.includes(tenant));
}

/** One line: "passed: …" or "3 findings (1 critical, 2 high): …". */
export function summarizeAudit(report: RlsAuditReport, findings = report.findings): string {
  const c = report.checked;
  const scope =
    `${c.tenantSchemas} tenant schemas, ${c.tenantTables} tables with tenant_id, ${c.policies} policies, ` +
    `${c.views} views, ${c.definerFunctions} SECURITY DEFINER functions, ${c.roles} roles`;
  if (findings.length === 0) return `RLS audit passed on ${report.target}: ${scope} checked`;
  const counts = SEVERITIES.map(
    (s) => [s, findings.filter((f) => f.severity === s).length] as const,
  )
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const verdict = auditPasses(findings) ? 'passed with notes' : 'FAILED';
  return `RLS audit ${verdict} on ${report.target}: ${findings.length} finding${findings.length === 1 ? '' : 's'} (${counts}); ${scope} checked`;
}

export function describeFinding(f: RlsFinding): string {
  return `[${f.severity}] ${f.object}: ${f.why}`;
}
