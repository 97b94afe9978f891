import type { RlsAuditReport } from '../domain/target/rls-audit';

/**
 * The row-level security and privilege audit of the target database (issue 10; used by leak
 * response, `/tenant status`, preflight and go-live). Real catalog queries, read-only, one
 * snapshot: tables with a tenant_id column whose RLS is off, not forced or without a policy;
 * permissive policies that are `true` or never mention the tenant; the app role or roles it can
 * become being superuser, BYPASSRLS or pg_read/write_all_data; roles (or PUBLIC) reaching the
 * schemas of more than one tenant, and the app role reaching schemas no tenant is routed to;
 * views without security_invoker; SECURITY DEFINER functions owned by a superuser or a
 * BYPASSRLS role. Each finding names the object, its severity and why it matters.
 */
export interface RlsAuditor {
  /**
   * `tenants`: the tenant registry's ids (a registered tenant without a routing row uses
   * `target.schemaPattern`). The report passes when no finding is medium or worse;
   * `findingsFor(report, tenant)` keeps one tenant's and the shared ones.
   */
  auditRls(tenants: readonly string[]): Promise<RlsAuditReport>;
}
