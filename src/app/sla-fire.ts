import {
  afterFiring,
  isActive,
  isCustomerClock,
  nextTimer,
  type SlaClock,
} from '../domain/sla/sla-clock';
import type { IncidentEntry, NewSlaEvent, SlaIncident, SlaTx } from '../ports/sla-store';
import type { SlaTimer } from '../ports/sla-timers';
import { resetTenant, timersOf } from './sla-clocks';
import type { SlaDeps } from './sla-deps';
import { firingEntry } from './sla-messages';
import { leaseEventsOf, sendLeasedAll, type Leased } from './sla-post';
import { Scope } from '../domain/tenants/scope';

export type FireOutcome = { kind: 'early'; until: Date } | { kind: 'done'; fired: number };

export interface Claim {
  fired: number;
  /** Incidents with at least one clock due (found so on the locked, fresh rows). */
  due: number;
  /** Incidents with at least one event claimed here. */
  incidents: number;
  /** The next timer of every clock still running. */
  next: SlaTimer[];
  /** What fired (with any older unposted events), leased in the same transaction. */
  leased: Leased[];
}

// Timers act for no person: platform-wide, on the incident the timer names.
const TIMERS = Scope.platform('SLA timer firing');

/**
 * A timer for incident N at T went off. In one transaction, under the incident's row lock:
 * re-read its clocks (Postgres is the truth), settle those whose condition was met since (an
 * update on the timeline, the incident resolved), and fire each clock whose next step is due:
 * an event row unique per clock, generation and step is the claim that makes it once-only.
 * Then schedule what comes next, and hand the events to the post queue. A timer that finds
 * nothing due does nothing. (The sweep, `sweepDueClocks`, does the same for every incident
 * with a clock due; this one-incident form serves timer jobs that name an incident.)
 */
export async function fireSlaTimer(deps: SlaDeps, timer: SlaTimer): Promise<FireOutcome> {
  const now = deps.clock.now();
  // Another host's clock may run ahead: never decide a breach before its time here.
  if (now.getTime() < timer.at.getTime()) return { kind: 'early', until: timer.at };
  const claim = await deps.store.inScope(TIMERS, async (tx) => {
    const incident = await tx.incident(timer.incident, { forUpdate: true });
    return incident ? claimDue(deps, tx, [incident], now) : undefined;
  });
  if (!claim) return { kind: 'done', fired: 0 };
  await handOver(deps, claim, now);
  return { kind: 'done', fired: claim.fired };
}

/**
 * Schedules what comes next and hands the leased events to the outbox. Handing over is quick
 * (it doesn't wait for Slack); if it fails, the lease is given back and the post queue tries
 * again.
 */
export async function handOver(deps: SlaDeps, claim: Claim, now: Date): Promise<void> {
  await deps.timers.ensure(claim.next);
  if (claim.leased.length === 0) return;
  let unsent: number[];
  try {
    unsent = (await sendLeasedAll(deps, claim.leased)).unsent;
  } catch (err) {
    unsent = claim.leased.map((l) => l.incident.number);
    deps.log.warn({ err, incidents: unsent }, 'SLA events not handed over; queued');
  }
  for (const incident of unsent) await deps.timers.deliver(incident, now);
}

interface Firing {
  clock: SlaClock;
  step: string;
  at: Date;
}

/**
 * Fires every due clock of these incidents (locked by the caller), in a few statements for
 * the whole batch: the clocks, the updates that settle them, the event claims, the clocks'
 * new state, the timeline entries, the leases.
 */
export async function claimDue(
  deps: SlaDeps,
  tx: SlaTx,
  incidents: readonly SlaIncident[],
  now: Date,
): Promise<Claim> {
  const numbers = incidents.map((i) => i.number);
  const active = await tx.activeClocksOf(numbers);
  const open = incidents.filter(
    (i) =>
      i.state !== 'resolved' &&
      active.some((c) => c.incident === i.number && isCustomerClock(c.kind)),
  );
  const updates =
    open.length > 0
      ? await tx.lastUpdatesOf(open.map((i) => i.number))
      : new Map<number, Map<string, Date>>();
  const after: SlaClock[] = [];
  const firings: Firing[] = [];
  for (const inc of incidents) {
    const mine = active.filter((c) => c.incident === inc.number);
    const last = updates.get(inc.number) ?? new Map<string, Date>();
    for (const clock of await settle(deps, tx, inc, mine, last, now)) {
      const next = nextTimer(clock, now);
      if (!next || next.at.getTime() > now.getTime()) after.push(clock);
      else firings.push({ clock, step: next.step, at: next.at });
    }
  }
  const claimed = await tx.insertEvents(firings.map((f) => newEvent(f, now)));
  after.push(
    ...(await tx.recordFirings(
      firings.map((f) => ({
        id: f.clock.id,
        changes: afterFiring(f.clock, f.step, now),
      })),
    )),
  );
  const entries: IncidentEntry[] = firings
    .filter((_, i) => claimed[i])
    .map((f) => ({ incident: f.clock.incident, entry: firingEntry(f.clock, f.step, f.at, now) }));
  await tx.appendTimelines(entries);
  const fired = new Set(entries.map((e) => e.incident));
  // Fired events go out leased in this same transaction, with the incidents already read.
  const leased =
    fired.size > 0
      ? await leaseEventsOf(
          deps,
          tx,
          incidents.filter((i) => fired.has(i.number)),
          now,
        )
      : [];
  return {
    fired: entries.length,
    due: new Set(firings.map((f) => f.clock.incident)).size,
    incidents: fired.size,
    next: timersOf(after, now),
    leased,
  };
}

function newEvent({ clock, step, at }: Firing, now: Date): NewSlaEvent {
  return {
    incident: clock.incident,
    tenant: clock.tenant,
    clockId: clock.id,
    clockKind: clock.kind,
    generation: clock.generation,
    step,
    dueAt: clock.dueAt,
    scheduledAt: at,
    firedAt: now,
  };
}

/**
 * Clocks whose condition was met without the listener seeing it (it failed, or the timer won
 * the race): an update on the timeline since the clock started resets it; a resolved
 * incident stops its customer clocks. What remains active is returned.
 */
async function settle(
  deps: SlaDeps,
  tx: SlaTx,
  inc: SlaIncident,
  clocks: SlaClock[],
  updates: Map<string, Date>,
  now: Date,
): Promise<SlaClock[]> {
  const customer = clocks.filter((c) => isCustomerClock(c.kind));
  if (customer.length === 0) return clocks;
  if (inc.state === 'resolved') {
    for (const c of customer) await tx.updateClock(c.id, { status: 'stopped', stoppedAt: now });
    return clocks.filter((c) => !isCustomerClock(c.kind));
  }
  const kept: SlaClock[] = [];
  for (const clock of clocks) {
    const update = updates.get(clock.tenant);
    if (!isCustomerClock(clock.kind) || !update || update.getTime() <= clock.startedAt.getTime()) {
      kept.push(clock);
      continue;
    }
    const all = await tx.clocksOf(inc.number);
    const reset = await resetTenant(deps, tx, inc, all, clock.tenant, update, now);
    if (reset && isActive(reset) && !kept.some((k) => k.id === reset.id)) kept.push(reset);
  }
  return kept;
}
