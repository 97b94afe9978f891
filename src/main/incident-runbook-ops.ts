import type { IncidentRunbookOps } from '../app/runbooks/incident-ops';
import { startFollowUp } from '../app/runbooks/follow-up';
import type { RunbookDeps } from '../app/runbooks/runbook-deps';
import { makeSecurityIncidents } from '../app/runbooks/security-incident';
import { makeTenantLoadSource } from '../app/tenant-load';
import type { TenantKeys } from '../ports/tenant-keys';
import { targetHttpFromConfig } from '../adapters/http/target-http';
import { PgAuditTrail } from '../adapters/postgres/pg-audit-trail';
import { PgTenantAlerts } from '../adapters/postgres/pg-tenant-alerts';
import type { ModuleContext } from './module';

/**
 * What the leak-response, throttle and corruption runbooks use besides the target: tenant keys (the
 * module's one key store), the tenant's load (its alerts, Prometheus when configured), the audit log, security incidents
 * (through the SLA module's use cases), and follow-up runs started as the run's requester.
 */
export function incidentRunbookOps(
  ctx: ModuleContext,
  deps: RunbookDeps,
  keys: TenantKeys,
): IncidentRunbookOps {
  const metrics = targetHttpFromConfig(ctx.config.file.target, ctx.config.env).metrics;
  const alerts = new PgTenantAlerts(ctx.storage.db);
  return {
    keys,
    alerts,
    load: makeTenantLoadSource({
      alerts,
      ...(metrics ? { metrics } : {}),
      clock: ctx.clock,
    }),
    audit: new PgAuditTrail(ctx.storage.db),
    ...(ctx.sla ? { security: makeSecurityIncidents(ctx.sla) } : {}),
    tenantIds: () => Promise.resolve(ctx.config.file.tenants.map((t) => t.id)),
    startFollowUp: (actor, req) => startFollowUp(deps, actor, req),
  };
}
