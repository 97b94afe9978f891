import type { Action } from '../domain/access/access';
import { DomainError } from '../domain/errors';
import {
  assertOpen,
  assertTransition,
  incidentRef,
  type Incident,
  type IncidentRole,
  type Severity,
} from '../domain/incidents/incident';
import { maskPersonalData } from '../domain/masking';
import type { IncidentChanges, IncidentTx, NewTimelineEntry } from '../ports/incident-store';
import { notifyListeners, type Actor, type IncidentDeps } from './incident-deps';
import { authorize, findTarget, recordDenials, scopeOf } from './incident-guard';

interface Change {
  changes: IncidentChanges;
  entry: Omit<NewTimelineEntry, 'at' | 'actor'>;
  /** Posted into the incident's channel or thread, when set. */
  post?: string;
  /** Extra tenants whose role the actor also needs (e.g. the tenant being added). */
  alsoNeeds?: string[];
  /** Runs inside the transaction after the checks (e.g. adding a tenant row). */
  apply?: (tx: IncidentTx, incident: Incident) => Promise<Incident>;
}

/** Shared path of every incident change: find, authorize, validate, write, then tell Slack. */
async function change(
  deps: IncidentDeps,
  actor: Actor,
  ref: number | undefined,
  action: Action,
  plan: (incident: Incident) => Change,
): Promise<{ before: Incident; after: Incident; change: Change }> {
  const guarded = await scopeOf(deps, actor.user);
  const now = deps.clock.now();
  const result = await recordDenials(deps, actor, () =>
    deps.store.inScope(guarded.scope, async (tx) => {
      const before = await findTarget(tx, actor, ref, true);
      authorize(guarded, action, before.tenants, before.number);
      const c = plan(before);
      for (const extra of c.alsoNeeds ?? []) authorize(guarded, action, [extra], before.number);
      if (c.apply) await c.apply(tx, before);
      const after = await tx.updateIncident(before.number, c.changes);
      await tx.appendTimeline(before.number, {
        ...c.entry,
        text: maskPersonalData(c.entry.text),
        at: now,
        actor: actor.user,
      });
      return { before, after, change: c };
    }),
  );
  await deps.notifier.cardChanged(result.after);
  if (result.change.post)
    await deps.notifier.post(result.after, maskPersonalData(result.change.post));
  return result;
}

export async function acknowledgeIncident(
  deps: IncidentDeps,
  actor: Actor,
  ref?: number,
): Promise<Incident> {
  const { after } = await change(deps, actor, ref, 'acknowledge', (i) => {
    assertTransition(i, 'acknowledged');
    return {
      changes: { state: 'acknowledged', acknowledgedAt: deps.clock.now() },
      entry: { kind: 'acknowledged', text: `Acknowledged by <@${actor.user}>` },
      post: `:eyes: <@${actor.user}> acknowledged ${incidentRef(i.number)}.`,
    };
  });
  return after;
}

export async function postIncidentUpdate(
  deps: IncidentDeps,
  actor: Actor,
  input: { ref?: number; tenant?: string; text: string },
): Promise<Incident> {
  const { after } = await change(deps, actor, input.ref, 'update', (i) => {
    assertOpen(i);
    if (input.tenant && !i.tenants.includes(input.tenant)) {
      throw new DomainError(
        'tenant_not_affected',
        `\`${input.tenant}\` isn't affected by ${incidentRef(i.number)} (${i.tenants.join(', ')}).`,
      );
    }
    const scope = input.tenant ? ` (${input.tenant})` : '';
    return {
      changes: {},
      alsoNeeds: input.tenant ? [input.tenant] : [],
      entry: {
        kind: 'update',
        text: `Update${scope}: ${input.text}`,
        tenants: input.tenant ? [input.tenant] : undefined,
      },
      post: `:loudspeaker: *Update${scope}* from <@${actor.user}>: ${input.text}`,
    };
  });
  const update = {
    tenants: input.tenant ? [input.tenant] : after.tenants,
    text: maskPersonalData(input.text),
    actor: actor.user,
    at: deps.clock.now(),
  };
  await notifyListeners(deps, (l) => l.updated?.(after, update));
  return after;
}

export async function changeSeverity(
  deps: IncidentDeps,
  actor: Actor,
  ref: number | undefined,
  severity: Severity,
): Promise<Incident> {
  const { after } = await change(deps, actor, ref, 'change_severity', (i) => {
    assertOpen(i);
    if (i.severity === severity)
      throw new DomainError('unchanged', `${incidentRef(i.number)} is already ${severity}.`);
    return {
      changes: { severity },
      entry: { kind: 'severity_changed', text: `Severity ${i.severity} → ${severity}` },
      post: `:rotating_light: Severity changed ${i.severity} → *${severity}* by <@${actor.user}>.`,
    };
  });
  await notifyListeners(deps, (l) => l.severityChanged?.(after));
  return after;
}

export async function assignRole(
  deps: IncidentDeps,
  actor: Actor,
  input: { ref?: number; role: IncidentRole; user: string },
): Promise<Incident> {
  const assignee = await deps.access.bindingsOf(input.user);
  const { after } = await change(deps, actor, input.ref, 'assign_role', (i) => {
    assertOpen(i);
    // A role for tenant A gives nothing on tenant B: the assignee must already work on one of its tenants.
    if (!assignee.some((b) => b.tenant === '*' || i.tenants.includes(b.tenant))) {
      throw new DomainError(
        'assignee_without_role',
        `<@${input.user}> has no role on ${i.tenants.join(', ')}, so can't be ${input.role} of ${incidentRef(i.number)}.`,
      );
    }
    return {
      changes: { role: { role: input.role, user: input.user } },
      entry: { kind: 'role_assigned', text: `<@${input.user}> is ${input.role}` },
      post: `:busts_in_silhouette: <@${input.user}> is now *${input.role}* (assigned by <@${actor.user}>).`,
    };
  });
  await deps.notifier.invite(after, [input.user]);
  return after;
}

export async function addAffectedTenant(
  deps: IncidentDeps,
  actor: Actor,
  ref: number | undefined,
  tenant: string,
): Promise<Incident> {
  const { after } = await change(deps, actor, ref, 'add_tenant', (i) => {
    assertOpen(i);
    if (i.tenants.includes(tenant))
      throw new DomainError(
        'unchanged',
        `\`${tenant}\` is already affected by ${incidentRef(i.number)}.`,
      );
    return {
      changes: {},
      alsoNeeds: [tenant],
      apply: async (tx, inc) => {
        if ((await tx.tenants([tenant])).length === 0)
          throw new DomainError('unknown_tenant', `Unknown tenant \`${tenant}\`.`);
        return tx.addIncidentTenant(inc.number, tenant, actor.user, deps.clock.now());
      },
      entry: { kind: 'tenant_added', text: `Tenant ${tenant} added` },
      post: `:heavy_plus_sign: Tenant *${tenant}* is affected too (added by <@${actor.user}>).`,
    };
  });
  await notifyListeners(deps, (l) => l.tenantAdded?.(after, tenant));
  return after;
}

export async function mitigateIncident(
  deps: IncidentDeps,
  actor: Actor,
  ref: number | undefined,
  note: string,
): Promise<Incident> {
  const { after } = await change(deps, actor, ref, 'mitigate', (i) => {
    assertTransition(i, 'mitigated');
    return {
      changes: { state: 'mitigated', mitigatedAt: deps.clock.now() },
      entry: { kind: 'mitigated', text: note ? `Mitigated: ${note}` : 'Mitigated' },
      post: `:adhesive_bandage: ${incidentRef(i.number)} mitigated by <@${actor.user}>${note ? `: ${note}` : '.'}`,
    };
  });
  return after;
}

export async function resolveIncident(
  deps: IncidentDeps,
  actor: Actor,
  ref: number | undefined,
  summary: string,
): Promise<Incident> {
  const { after } = await change(deps, actor, ref, 'resolve', (i) => {
    assertTransition(i, 'resolved');
    return {
      changes: {
        state: 'resolved',
        resolvedAt: deps.clock.now(),
        summary: maskPersonalData(summary),
      },
      entry: { kind: 'resolved', text: `Resolved: ${summary}` },
      post: `:white_check_mark: ${incidentRef(i.number)} resolved by <@${actor.user}>: ${summary}`,
    };
  });
  await notifyListeners(deps, (l) => l.resolved?.(after));
  return after;
}
