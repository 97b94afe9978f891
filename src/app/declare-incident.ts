import { deniedReason, splitByRole } from '../domain/access/access';
import { DomainError } from '../domain/errors';
import type { Incident, Severity } from '../domain/incidents/incident';
import { incidentRef } from '../domain/incidents/incident';
import { maskPersonalData } from '../domain/masking';
import { Scope } from '../domain/tenants/scope';
import { notifyListeners, type Actor, type IncidentDeps } from './incident-deps';
import { AccessDenied, recordDenials, scopeOf } from './incident-guard';

export interface DeclareInput {
  severity: Severity;
  tenants: string[];
  title: string;
}

/**
 * A person declares an incident: they need a role (commander, comms, responder or scribe) on
 * every tenant they name, since declaring opens an incident of those tenants and invites their
 * commanders. "Unknown" and "not yours" read alike, so the registry isn't disclosed.
 */
export async function declareIncident(
  deps: IncidentDeps,
  actor: Actor,
  input: DeclareInput,
): Promise<Incident> {
  await assertMayDeclare(deps, actor, input.tenants);
  return openIncident(deps, actor, input);
}

/** Throws (and audits) unless the actor may declare for every one of `tenants`. */
export async function assertMayDeclare(
  deps: IncidentDeps,
  actor: Actor,
  tenants: readonly string[],
): Promise<void> {
  const { bindings } = await scopeOf(deps, actor.user);
  await recordDenials(deps, actor, () => {
    const { denied } = splitByRole(bindings, 'declare', tenants);
    if (denied.length === 0) return Promise.resolve();
    throw new AccessDenied(
      `Unknown tenant ${denied.map((t) => `\`${t}\``).join(', ')}, or you have no role on it (declaring needs commander, comms, responder or scribe on each tenant). \`/tenant list\` shows the tenants you can see.`,
      'declare',
      denied,
      deniedReason(bindings, 'declare', tenants),
    );
  });
}

/**
 * Opens an incident: writes it and its timeline (scoped to its tenants), then opens its
 * channel or thread with the card and invites the role holders. Callers check who may:
 * `declareIncident` for people, the alert rules for monitoring.
 */
export async function openIncident(
  deps: IncidentDeps,
  actor: Actor,
  input: DeclareInput,
): Promise<Incident> {
  const now = deps.clock.now();
  const title = maskPersonalData(input.title);
  const scope = Scope.of(input.tenants);
  const created = await deps.store.inScope(scope, async (tx) => {
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
  const placed = await deps.store.inScope(scope, (tx) =>
    tx.updateIncident(created.number, {
      channelId: place.channelId,
      threadTs: place.threadTs,
      cardTs: place.cardTs,
    }),
  );
  await notifyListeners(deps, (l) => l.declared?.(placed));
  return placed;
}
