import { DomainError } from '../domain/errors';
import type { Incident, Severity } from '../domain/incidents/incident';
import { incidentRef } from '../domain/incidents/incident';
import { maskPersonalData } from '../domain/masking';
import { notifyListeners, type Actor, type IncidentDeps } from './incident-deps';

export interface DeclareInput {
  severity: Severity;
  tenants: string[];
  title: string;
}

/**
 * Declares an incident: anyone may declare, for tenants that exist. Writes the incident and
 * its timeline, then opens its channel or thread with the card and invites the role holders.
 */
export async function declareIncident(
  deps: IncidentDeps,
  actor: Actor,
  input: DeclareInput,
): Promise<Incident> {
  const now = deps.clock.now();
  const title = maskPersonalData(input.title);
  const created = await deps.store.inScope(input.tenants, async (tx) => {
    const known = new Set((await tx.tenants(input.tenants)).map((t) => t.id));
    const unknown = input.tenants.filter((t) => !known.has(t));
    if (unknown.length > 0) {
      throw new DomainError(
        'unknown_tenant',
        `Unknown tenant ${unknown.map((t) => `\`${t}\``).join(', ')}. \`/tenant list\` shows the tenants you can see.`,
      );
    }
    const incident = await tx.createIncident({
      title,
      severity: input.severity,
      tenants: input.tenants,
      declaredBy: actor.user,
      declaredAt: now,
    });
    await tx.appendTimeline(incident.number, {
      at: now,
      actor: actor.user,
      kind: 'declared',
      text: `${incidentRef(incident.number)} declared as ${input.severity} for ${input.tenants.join(', ')}: ${title}`,
    });
    return incident;
  });
  await deps.audit.record({
    at: now,
    actor: actor.user,
    action: 'declare',
    outcome: 'allowed',
    tenantIds: input.tenants,
    incident: created.number,
  });
  const commanders = await deps.access.holdersOf(input.tenants, 'commander');
  const place = await deps.notifier.opened(created, [actor.user, ...commanders]);
  const placed = await deps.store.inScope(input.tenants, (tx) =>
    tx.updateIncident(created.number, {
      channelId: place.channelId,
      threadTs: place.threadTs,
      cardTs: place.cardTs,
    }),
  );
  await notifyListeners(deps, (l) => l.declared?.(placed));
  return placed;
}
