import { addBusinessDaysInZone, previousBusinessDay } from '../domain/sla/business-days';
import { resolvePolicy, type ResolvedPolicy } from '../domain/sla/clock-plan';
import {
  customerSchedule,
  isActive,
  isCustomerClock,
  nextTimer,
  postmortemSchedule,
  recomputed,
  securitySchedule,
  WHOLE_INCIDENT,
  type SlaClock,
} from '../domain/sla/sla-clock';
import type { Severity } from '../domain/incidents/incident';
import type { SlaIncident, SlaTx } from '../ports/sla-store';
import type { SlaTimer } from '../ports/sla-timers';
import type { SlaDeps } from './sla-deps';
import { Scope } from '../domain/tenants/scope';

/** The next timer of each clock, one per (incident, instant). */
export function timersOf(clocks: readonly SlaClock[], now: Date): SlaTimer[] {
  const seen = new Map<string, SlaTimer>();
  for (const clock of clocks) {
    const next = nextTimer(clock, now);
    if (next)
      seen.set(`${clock.incident}/${next.at.getTime()}`, { incident: clock.incident, at: next.at });
  }
  return [...seen.values()];
}

/** The tenant's policy for the incident's severity (its plan's, else `default`), if any. */
export function policyFor(
  deps: SlaDeps,
  plan: string | undefined,
  severity: Severity,
): ResolvedPolicy | undefined {
  return resolvePolicy(deps.settings.policies, plan ?? 'default', severity);
}

// Keeping the clocks in step with a committed incident change is system work for no person.
const CLOCKS = Scope.platform('SLA clocks following an incident change');

/**
 * Runs `work` on the incident under its row lock, then makes sure the touched clocks' timers
 * exist. `scope` is the actor's when a person acts (row-level security then keeps the write to
 * their tenants, and `work` re-checks their role in the same transaction); system work omits it.
 */
export async function withIncident(
  deps: SlaDeps,
  number: number,
  work: (tx: SlaTx, incident: SlaIncident, clocks: SlaClock[], now: Date) => Promise<SlaClock[]>,
  scope: Scope = CLOCKS,
): Promise<SlaClock[]> {
  const now = deps.clock.now();
  const touched = await deps.store.inScope(scope, async (tx) => {
    // Every SLA write on an incident holds its row lock, so workers and listeners take turns.
    const incident = await tx.incident(number, { forUpdate: true });
    if (!incident) return [];
    return work(tx, incident, await tx.clocksOf(number, { forUpdate: true }), now);
  });
  await deps.timers.ensure(timersOf(touched, now));
  return touched;
}

/**
 * Makes the incident's clocks match it: a first-response clock for each affected tenant that
 * has a policy and no clock yet (declare, tenant added), a security clock per tenant of a
 * security incident; at resolve, customer clocks stop and the post-mortem clock starts.
 */
export function syncIncidentClocks(deps: SlaDeps, number: number): Promise<SlaClock[]> {
  return withIncident(deps, number, (tx, incident, clocks, now) =>
    incident.state === 'resolved'
      ? settleResolved(deps, tx, incident, clocks, now)
      : startMissing(deps, tx, incident, clocks, now),
  );
}

async function startMissing(
  deps: SlaDeps,
  tx: SlaTx,
  inc: SlaIncident,
  clocks: SlaClock[],
  now: Date,
): Promise<SlaClock[]> {
  const plans = await tx.tenantPlans(inc.tenants);
  const added = await tx.tenantsAddedAt(inc.number);
  const started: SlaClock[] = [];
  for (const tenant of inc.tenants) {
    const mine = clocks.filter((c) => c.tenant === tenant);
    const policy = policyFor(deps, plans.get(tenant), inc.severity);
    const since = added.get(tenant) ?? inc.declaredAt;
    if (policy && !mine.some((c) => isCustomerClock(c.kind))) {
      const schedule = customerSchedule('first_response', since, policy, now);
      started.push(
        await tx.startClock({ incident: inc.number, tenant, kind: 'first_response', ...schedule }),
      );
    }
    if (inc.security && !mine.some((c) => c.kind === 'security_notify')) {
      const aware = inc.securityAwareAt ?? since;
      const schedule = securitySchedule(aware, deps.settings.notifyWithinMs, now);
      started.push(
        await tx.startClock({ incident: inc.number, tenant, kind: 'security_notify', ...schedule }),
      );
    }
  }
  return started;
}

// The security notification is owed even after the incident is resolved, so only customer clocks stop.
async function settleResolved(
  deps: SlaDeps,
  tx: SlaTx,
  inc: SlaIncident,
  clocks: SlaClock[],
  now: Date,
): Promise<SlaClock[]> {
  for (const clock of clocks.filter((c) => isActive(c) && isCustomerClock(c.kind))) {
    await tx.updateClock(clock.id, { status: 'stopped', stoppedAt: now });
  }
  if (clocks.some((c) => c.kind === 'postmortem')) return [];
  const resolvedAt = inc.resolvedAt ?? now;
  const { dueBusinessDays, holidays, timezone } = deps.settings.postmortem;
  const calendar = { holidays, timezone };
  const due = addBusinessDaysInZone(resolvedAt, dueBusinessDays, calendar);
  const schedule = postmortemSchedule(resolvedAt, due, previousBusinessDay(due, calendar), now);
  return [
    await tx.startClock({
      incident: inc.number,
      tenant: WHOLE_INCIDENT,
      kind: 'postmortem',
      ...schedule,
    }),
  ];
}

/**
 * An update was posted at `at` for `tenant`: its first response is met and its next update is
 * due `updateEvery` later (a new generation, so timers of the old one go stale).
 */
export async function resetTenant(
  deps: SlaDeps,
  tx: SlaTx,
  inc: SlaIncident,
  clocks: SlaClock[],
  tenant: string,
  at: Date,
  now: Date,
): Promise<SlaClock | undefined> {
  const first = clocks.find((c) => c.tenant === tenant && c.kind === 'first_response');
  if (first && isActive(first)) await tx.updateClock(first.id, { status: 'met', metAt: at });
  const plan = (await tx.tenantPlans([tenant])).get(tenant);
  const policy = policyFor(deps, plan, inc.severity);
  if (!policy) return undefined;
  return tx.startClock({
    incident: inc.number,
    tenant,
    kind: 'update',
    ...customerSchedule('update', at, policy, now),
  });
}

/**
 * `/incident update` posted for `tenants` (those the actor was allowed to update): reset their
 * clocks, in a transaction scoped to those tenants so no other tenant's clock can move.
 */
export function resetUpdateClocks(
  deps: SlaDeps,
  number: number,
  tenants: readonly string[],
): Promise<SlaClock[]> {
  if (tenants.length === 0) return Promise.resolve([]);
  return withIncident(
    deps,
    number,
    async (tx, inc, clocks, now) => {
      if (inc.state === 'resolved') return [];
      const touched: SlaClock[] = [];
      for (const t of tenants.filter((x) => inc.tenants.includes(x))) {
        const clock = await resetTenant(deps, tx, inc, clocks, t, now, now);
        if (clock) touched.push(clock);
      }
      return touched;
    },
    Scope.of(tenants),
  );
}

/**
 * The severity changed: each tenant's running customer clock keeps its start and takes the
 * new policy's interval; without a policy for the new severity the clocks stop; a tenant with
 * no running clock (say P3 → P1) starts one now.
 */
export function recomputeClocks(deps: SlaDeps, number: number): Promise<SlaClock[]> {
  return withIncident(deps, number, async (tx, inc, clocks, now) => {
    if (inc.state === 'resolved') return [];
    const plans = await tx.tenantPlans(inc.tenants);
    const touched: SlaClock[] = [];
    for (const tenant of inc.tenants) {
      const mine = clocks.filter((c) => c.tenant === tenant && isCustomerClock(c.kind));
      const running = mine.filter(isActive);
      const policy = policyFor(deps, plans.get(tenant), inc.severity);
      if (!policy) {
        for (const c of running) await tx.updateClock(c.id, { status: 'stopped', stoppedAt: now });
        continue;
      }
      for (const c of running)
        touched.push(await tx.updateClock(c.id, { ...recomputed(c, policy, now), bump: true }));
      if (running.length > 0) continue;
      const kind = mine.some((c) => c.kind === 'update' || c.status === 'met')
        ? 'update'
        : 'first_response';
      touched.push(
        await tx.startClock({
          incident: inc.number,
          tenant,
          kind,
          ...customerSchedule(kind, now, policy, now),
        }),
      );
    }
    return touched;
  });
}

/** The post-mortem was marked done: its clock stops (called by the post-mortem use case). */
export function postmortemDone(deps: SlaDeps, number: number): Promise<SlaClock[]> {
  return withIncident(deps, number, async (tx, _inc, clocks, now) => {
    for (const c of clocks.filter((x) => x.kind === 'postmortem' && isActive(x))) {
      await tx.updateClock(c.id, { status: 'met', metAt: now });
    }
    return [];
  });
}
