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
import type { IncidentPost } from '../ports/incident-notifier';
import { notifyListeners, type Actor, type IncidentDeps } from './incident-deps';
import {
  AccessDenied,
  authorize,
  authorizeEach,
  findTarget,
  recordDenials,
  recordSkipped,
  scopeOf,
  targetRef,
  type Guarded,
} from './incident-guard';

interface Change {
  changes: IncidentChanges;
  entry: Omit<NewTimelineEntry, 'at' | 'actor'>;
  /** Posted into the incident's channel or thread, when set. */
  post?: IncidentPost;
  /** Extra tenants whose role the actor also needs (e.g. the tenant being added). */
  alsoNeeds?: string[];
  /** Tenants a per-tenant action skipped (no role there): named to the actor and audited. */
  skipped?: string[];
  /** Runs inside the transaction after the checks (e.g. adding a tenant row). */
  apply?: (tx: IncidentTx, incident: Incident) => Promise<Incident>;
}

/**
 * Shared path of every incident change: find, authorize, validate, write, then tell Slack.
 * The check and the write are one transaction in the actor's scope, so row-level security
 * keeps the write to tenants the actor can see and the role is checked on the locked row.
 */
async function change(
  deps: IncidentDeps,
  actor: Actor,
  ref: number | undefined,
  action: Action,
  plan: (incident: Incident, guarded: Guarded) => Change,
): Promise<{ before: Incident; after: Incident; change: Change }> {
  const number = await targetRef(deps, actor, ref);
  const guarded = await scopeOf(deps, actor.user);
  const now = deps.clock.now();
  const result = await recordDenials(deps, actor, () =>
    deps.store.inScope(guarded.scope, async (tx) => {
      const before = await findTarget(tx, number, true);
      authorize(guarded, action, before.tenants, before.number);
      const c = plan(before, guarded);
      for (const extra of c.alsoNeeds ?? []) authorize(guarded, action, [extra], before.number);
      let after = c.apply ? await c.apply(tx, before) : before;
      // A per-tenant change (an update for globex) leaves the shared incident row alone.
      if (Object.keys(c.changes).length > 0)
        after = await tx.updateIncident(before.number, c.changes);
      await tx.appendTimeline(before.number, {
        ...c.entry,
        text: maskPersonalData(c.entry.text),
        at: now,
        actor: actor.user,
      });
      return { before, after, change: c };
    }),
  );
  if (result.change.skipped?.length)
    await recordSkipped(deps, actor, guarded, action, result.change.skipped, number);
  await deps.notifier.cardChanged(result.after);
  if (result.change.post) await deps.notifier.post(result.after, result.change.post);
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
      entry: { kind: 'acknowledged', text: `Acknowledged by @${actor.user}` },
      post: { kind: 'acknowledged', actor: actor.user },
    };
  });
  return after;
}

/** What an update did: the tenants it was posted for, and those skipped for want of a role. */
export interface UpdateResult {
  incident: Incident;
  tenants: string[];
  skipped: string[];
}

/**
 * `/incident update [tenant=x] <text>`: per tenant. Named, the actor needs the role on that
 * tenant; unnamed, it is posted for the affected tenants the actor may update, and the others
 * are skipped (their customer-update clocks don't move) and named.
 */
export async function postIncidentUpdate(
  deps: IncidentDeps,
  actor: Actor,
  input: { ref?: number; tenant?: string; text: string },
): Promise<UpdateResult> {
  const text = maskPersonalData(input.text);
  let tenants: string[] = [];
  let skipped: string[] = [];
  const { after } = await change(deps, actor, input.ref, 'update', (i, guarded) => {
    assertOpen(i);
    if (input.tenant && !i.tenants.includes(input.tenant)) {
      throw new DomainError(
        'tenant_not_affected',
        `\`${input.tenant}\` isn't affected by ${incidentRef(i.number)} (${i.tenants.join(', ')}).`,
      );
    }
    const split = authorizeEach(
      guarded,
      'update',
      input.tenant ? [input.tenant] : i.tenants,
      i.number,
    );
    tenants = split.allowed;
    skipped = split.skipped;
    const whole = !input.tenant && skipped.length === 0;
    const scope = whole ? '' : ` (${tenants.join(', ')})`;
    return {
      changes: {},
      skipped,
      entry: {
        kind: 'update',
        text: `Update${scope}: ${text}`,
        tenants: whole ? undefined : tenants,
      },
      post: { kind: 'update', actor: actor.user, text, ...(whole ? {} : { tenants }) },
    };
  });
  const update = { tenants, text, actor: actor.user, at: deps.clock.now() };
  await notifyListeners(deps, (l) => l.updated?.(after, update));
  return { incident: after, tenants, skipped };
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
      post: { kind: 'severity_changed', actor: actor.user, from: i.severity, to: severity },
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
    // A role for tenant A gives nothing on tenant B: the assignee must work on all its tenants.
    const missing = i.tenants.filter(
      (t) => !assignee.some((b) => b.tenant === '*' || b.tenant === t),
    );
    // A refusal like any other (README "Access"): `change` writes its audit row.
    if (missing.length > 0) {
      throw new AccessDenied(
        `@${input.user} has no role on ${missing.join(', ')}, so can't be ${input.role} of ${incidentRef(i.number)}.`,
        'assign_role',
        missing,
        `assignee ${input.user} has no role on ${missing.join(', ')}`,
        i.number,
      );
    }
    return {
      changes: { role: { role: input.role, user: input.user } },
      entry: { kind: 'role_assigned', text: `@${input.user} is ${input.role}` },
      post: { kind: 'role_assigned', actor: actor.user, user: input.user, role: input.role },
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
      post: { kind: 'tenant_added', actor: actor.user, tenant },
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
    const masked = maskPersonalData(note);
    return {
      changes: { state: 'mitigated', mitigatedAt: deps.clock.now() },
      entry: { kind: 'mitigated', text: note ? `Mitigated: ${masked}` : 'Mitigated' },
      post: { kind: 'mitigated', actor: actor.user, note: masked },
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
  const masked = maskPersonalData(summary);
  const { after } = await change(deps, actor, ref, 'resolve', (i) => {
    assertTransition(i, 'resolved');
    return {
      changes: { state: 'resolved', resolvedAt: deps.clock.now(), summary: masked },
      entry: { kind: 'resolved', text: `Resolved: ${masked}` },
      post: { kind: 'resolved', actor: actor.user, summary: masked },
    };
  });
  await notifyListeners(deps, (l) => l.resolved?.(after));
  return after;
}
