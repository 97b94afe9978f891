import {
  ACTION_REACH,
  deniedReason,
  splitByRole,
  visibleTenants,
  type Action,
  type RoleBinding,
} from '../domain/access/access';
import { DomainError } from '../domain/errors';
import { incidentRef, type Incident } from '../domain/incidents/incident';
import { Scope } from '../domain/tenants/scope';
import type { IncidentTx } from '../ports/incident-store';
import type { Actor, IncidentDeps } from './incident-deps';

export interface Guarded {
  bindings: RoleBinding[];
  /** The tenants the actor's transactions may see (platform-wide for a `"*"` binding). */
  scope: Scope;
}

/** The actor's role bindings and the scope (tenants) their transactions may see. */
export async function scopeOf(deps: Pick<IncidentDeps, 'access'>, user: string): Promise<Guarded> {
  const bindings = await deps.access.bindingsOf(user);
  const visible = visibleTenants(bindings);
  const scope =
    visible === '*' ? Scope.platform(`platform-wide role binding of ${user}`) : Scope.of(visible);
  return { bindings, scope };
}

/**
 * The incident a command names: its INC-n, else the channel or thread it was typed in. Which
 * incident a channel belongs to is routing, read platform-wide, so "several open here" means
 * several in the channel, not several the actor can see; visibility is checked in `findTarget`.
 */
export async function targetRef(
  deps: Pick<IncidentDeps, 'store'>,
  actor: Actor,
  ref: number | undefined,
): Promise<number> {
  if (ref !== undefined) return ref;
  const here = actor.channel
    ? await deps.store.incidentAt({ channel: actor.channel, threadTs: actor.threadTs })
    : undefined;
  if (typeof here !== 'number') {
    throw new DomainError(
      'missing_incident',
      here === 'ambiguous'
        ? 'Name the incident (e.g. `INC-4`): several incidents are open in this channel.'
        : 'Name the incident (e.g. `INC-4`): this is not an incident channel.',
    );
  }
  return here;
}

/**
 * Finds incident `number` in the transaction's scope. "Not found" and "not yours" read alike,
 * and both are refusals (audited by `recordDenials`): probing for other tenants' incidents shows.
 */
export async function findTarget(
  tx: IncidentTx,
  number: number,
  forUpdate = false,
): Promise<Incident> {
  const found = await tx.findIncident(number, { forUpdate });
  if (!found)
    throw new AccessDenied(
      `${incidentRef(number)} doesn't exist or isn't on a tenant you have a role for.`,
      'view',
      [],
      "no such incident in the actor's scope",
      number,
    );
  return found;
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

// How a refusal names what was tried ("You can't approve runbook runs: …").
const ACTION_VERBS: Partial<Record<Action, string>> = {
  runbook_view: 'see runbook runs',
  runbook_run: 'run runbooks',
  runbook_approve: 'approve runbook runs',
  runbook_cancel: 'cancel runbook runs',
  runbook_rollback: 'roll back runbook runs',
  finish_postmortem: 'finish the post-mortem of',
  edit_postmortem: 'edit the post-mortem of',
  approve_update: 'approve customer updates',
  checklist_run: 'run checklists on this tenant',
  checklist_confirm: 'confirm checklist items',
};

function denied(
  guarded: Guarded,
  action: Action,
  tenants: readonly string[],
  incident?: number,
): AccessDenied {
  const reason = deniedReason(guarded.bindings, action, tenants);
  const verb = ACTION_VERBS[action] ?? action.replace(/_/g, ' ');
  const what = incident ? `${verb} ${incidentRef(incident)}` : verb;
  return new AccessDenied(
    `You can't ${what}: it ${reason}. Ask a platform admin for a role binding.`,
    action,
    tenants,
    reason,
    incident,
  );
}

/**
 * Checks the action against the actor's bindings under its reach (domain/access): `every`
 * needs the role on all `tenants`, `any` and `each` on one. Throws AccessDenied naming the
 * roles that would do. For `each` actions use `authorizeEach`, which says what was skipped.
 */
export function authorize(
  guarded: Guarded,
  action: Action,
  tenants: readonly string[],
  incident?: number,
): void {
  const { allowed, denied: missing } = splitByRole(guarded.bindings, action, tenants);
  const ok = ACTION_REACH[action] === 'every' ? missing.length === 0 : allowed.length > 0;
  if (!ok) throw denied(guarded, action, tenants, incident);
}

/** Per-tenant actions: the tenants it applies to, and those skipped (none allowed: refused). */
export function authorizeEach(
  guarded: Guarded,
  action: Action,
  tenants: readonly string[],
  incident?: number,
): { allowed: string[]; skipped: string[] } {
  const { allowed, denied: skipped } = splitByRole(guarded.bindings, action, tenants);
  if (allowed.length === 0) throw denied(guarded, action, tenants, incident);
  return { allowed, skipped };
}

/** Audit rows for the tenants a per-tenant action skipped (each a refusal, kept apart). */
export async function recordSkipped(
  deps: Pick<IncidentDeps, 'audit' | 'clock'>,
  actor: Actor,
  guarded: Guarded,
  action: Action,
  skipped: readonly string[],
  incident: number,
): Promise<void> {
  for (const tenant of skipped) {
    await deps.audit.record({
      at: deps.clock.now(),
      actor: actor.user,
      action,
      outcome: 'denied',
      tenantIds: [tenant],
      incident,
      reason: `skipped: ${deniedReason(guarded.bindings, action, [tenant])}`,
    });
  }
}

/**
 * Runs `fn`; a refusal is written to the audit log and rethrown. The audit write happens
 * outside `fn`'s transaction, so the rollback keeps it and no second connection is awaited
 * while the first holds a transaction open.
 */
export async function recordDenials<T>(
  deps: Pick<IncidentDeps, 'audit' | 'clock'>,
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
