import type { IncidentRunbookOps } from '../app/runbooks/incident-ops';
import { startFollowUp } from '../app/runbooks/follow-up';
import type { RunbookDeps } from '../app/runbooks/runbook-deps';
import { makeSecurityIncidents } from '../app/runbooks/security-incident';
import { makeTenantLoadSource } from '../app/tenant-load';
import type { TenantKeys } from '../ports/tenant-keys';
import { targetHttpFromConfig } from '../adapters/http/target-http';
import { PgAuditTrail } from '../adapters/postgres/pg-audit-trail';
import { PgLocalKeyring } from '../adapters/postgres/pg-local-keyring';
import { PgTenantAlerts } from '../adapters/postgres/pg-tenant-alerts';
import { createVaultClient } from '../adapters/vault/vault-client';
import { VaultTenantKeys } from '../adapters/vault/vault-tenant-keys';
import type { ModuleContext } from './module';

/** Vault's transit engine with VAULT_ADDR (and VAULT_TOKEN), else the dev-only local keyring. */
function tenantKeys(ctx: ModuleContext): TenantKeys {
  const { VAULT_ADDR, VAULT_TOKEN } = ctx.config.env;
  if (VAULT_ADDR && VAULT_TOKEN)
    return new VaultTenantKeys({
      client: createVaultClient({ addr: VAULT_ADDR, token: VAULT_TOKEN }),
      addr: VAULT_ADDR,
      transitMount: ctx.config.file.vault.transitMount,
      keyName: ctx.config.file.vault.keyName,
    });
  return new PgLocalKeyring(ctx.storage.db, ctx.clock);
}

/**
 * What the leak-response, throttle and corruption runbooks use besides the target: tenant keys,
 * the tenant's load (its alerts, Prometheus when configured), the audit log, security incidents
 * (through the SLA module's use cases), and follow-up runs started as the run's requester.
 */
export function incidentRunbookOps(ctx: ModuleContext, deps: RunbookDeps): IncidentRunbookOps {
  const metrics = targetHttpFromConfig(ctx.config.file.target, ctx.config.env).metrics;
  return {
    keys: tenantKeys(ctx),
    load: makeTenantLoadSource({
      alerts: new PgTenantAlerts(ctx.storage.db),
      ...(metrics ? { metrics } : {}),
      clock: ctx.clock,
    }),
    audit: new PgAuditTrail(ctx.storage.db),
    ...(ctx.sla ? { security: makeSecurityIncidents(ctx.sla) } : {}),
    tenantIds: () => Promise.resolve(ctx.config.file.tenants.map((t) => t.id)),
    startFollowUp: (actor, req) => startFollowUp(deps, actor, req),
  };
}
