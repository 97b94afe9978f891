import type { Incident, TimelineEntry } from '../domain/incidents/incident';
import type { Tenant } from '../ports/incident-store';
import type { Actor, IncidentDeps } from './incident-deps';
import { authorize, findTarget, recordDenials, scopeOf, targetRef } from './incident-guard';

export interface IncidentStatus {
  incident: Incident;
  timeline: TimelineEntry[];
}

/** The incident and the part of its timeline the actor's tenants may see. */
export async function incidentStatus(
  deps: IncidentDeps,
  actor: Actor,
  ref?: number,
): Promise<IncidentStatus> {
  const number = await targetRef(deps, actor, ref);
  const guarded = await scopeOf(deps, actor.user);
  return recordDenials(deps, actor, () =>
    deps.store.readInScope(guarded.scope, async (tx) => {
      // Both reads at once (one round trip); the timeline is shown only once the role is checked.
      const [incident, timeline] = await Promise.all([findTarget(tx, number), tx.timeline(number)]);
      authorize(guarded, 'view', incident.tenants, incident.number);
      return { incident, timeline };
    }),
  );
}

/** Incidents on the actor's tenants, newest first; open ones unless a tenant is named. */
export async function listIncidents(
  deps: IncidentDeps,
  actor: Actor,
  tenant?: string,
): Promise<Incident[]> {
  const guarded = await scopeOf(deps, actor.user);
  return deps.store.readInScope(guarded.scope, (tx) =>
    tx.listIncidents({ tenant, open: tenant === undefined, limit: 25 }),
  );
}

/** Tenants the actor has a role on (all of them for platform-wide roles). */
export async function listTenants(deps: IncidentDeps, actor: Actor): Promise<Tenant[]> {
  const guarded = await scopeOf(deps, actor.user);
  return deps.store.inScope(guarded.scope, (tx) => tx.tenants());
}

export interface TenantStatus {
  tenant: Tenant;
  open: Incident[];
}

export async function tenantStatus(
  deps: IncidentDeps,
  actor: Actor,
  tenantId: string,
): Promise<TenantStatus | undefined> {
  const guarded = await scopeOf(deps, actor.user);
  return deps.store.inScope(guarded.scope, async (tx) => {
    const [tenant] = await tx.tenants([tenantId]);
    if (!tenant) return undefined;
    return { tenant, open: await tx.listIncidents({ tenant: tenantId, open: true, limit: 25 }) };
  });
}
