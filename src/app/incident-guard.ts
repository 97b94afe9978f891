import {
  allows,
  ACTION_ROLES,
  visibleTenants,
  type Action,
  type RoleBinding,
} from '../domain/access/access';
import { DomainError } from '../domain/errors';
import { incidentRef, type Incident } from '../domain/incidents/incident';
import type { IncidentTx, Scope } from '../ports/incident-store';
import type { Actor, IncidentDeps } from './incident-deps';

export interface Guarded {
  bindings: RoleBinding[];
  scope: Scope;
}

/** The actor's role bindings and the scope (tenants) their transactions may see. */
export async function scopeOf(deps: IncidentDeps, user: string): Promise<Guarded> {
  const bindings = await deps.access.bindingsOf(user);
  const visible = visibleTenants(bindings);
  return { bindings, scope: visible };
}

/** Finds the incident by number, or by the channel/thread the command came from. */
export async function findTarget(
  tx: IncidentTx,
  actor: Actor,
  ref: number | undefined,
  forUpdate = false,
): Promise<Incident> {
  if (ref !== undefined) {
    const found = await tx.findIncident(ref, { forUpdate });
    // Row-level security hides other tenants' incidents: "not found" and "not yours" look alike.
    if (!found)
      throw new DomainError(
        'incident_not_found',
        `${incidentRef(ref)} doesn't exist or isn't on a tenant you have a role for.`,
      );
    return found;
  }
  const here = actor.channel
    ? await tx.findIncidentByChannel(actor.channel, actor.threadTs)
    : undefined;
  if (!here) {
    throw new DomainError(
      'missing_incident',
      'Name the incident (e.g. `INC-4`): this is not an incident channel, or several incidents are open in it.',
    );
  }
  return forUpdate ? ((await tx.findIncident(here.number, { forUpdate })) ?? here) : here;
}

/** A refused action; `recordDenials` writes it to the audit log after the transaction ends. */
export class AccessDenied extends DomainError {
  constructor(
    message: string,
    readonly action: Action,
    readonly tenants: readonly string[],
    readonly reason: string,
    readonly incident?: number,
  ) {
    super('forbidden', message);
  }
}

/** Checks the action against the actor's bindings; throws AccessDenied naming the roles that would do. */
export function authorize(
  guarded: Guarded,
  action: Action,
  tenants: readonly string[],
  incident?: number,
): void {
  if (allows(guarded.bindings, action, tenants)) return;
  const reason = `needs ${ACTION_ROLES[action].join(' or ')} on ${tenants.join(' or ')}`;
  const what = incident
    ? `${action.replace('_', ' ')} ${incidentRef(incident)}`
    : action.replace('_', ' ');
  throw new AccessDenied(
    `You can't ${what}: it ${reason}. Ask a platform admin for a role binding.`,
    action,
    tenants,
    reason,
    incident,
  );
}

/**
 * Runs `fn`; a refusal is written to the audit log and rethrown. The audit write happens
 * outside `fn`'s transaction, so the rollback keeps it and no second connection is awaited
 * while the first holds a transaction open.
 */
export async function recordDenials<T>(
  deps: IncidentDeps,
  actor: Actor,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AccessDenied) {
      await deps.audit.record({
        at: deps.clock.now(),
        actor: actor.user,
        action: err.action,
        outcome: 'denied',
        tenantIds: [...err.tenants],
        incident: err.incident,
        reason: err.reason,
      });
    }
    throw err;
  }
}
