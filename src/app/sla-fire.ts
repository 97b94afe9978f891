import {
  afterFiring,
  isActive,
  isCustomerClock,
  nextTimer,
  type SlaClock,
} from '../domain/sla/sla-clock';
import type { SlaIncident, SlaTx } from '../ports/sla-store';
import type { SlaTimer } from '../ports/sla-timers';
import { resetTenant, timersOf } from './sla-clocks';
import type { SlaDeps } from './sla-deps';
import { firingEntry } from './sla-messages';
import { leaseEvents, sendLeased, type Leased } from './sla-post';
import { Scope } from '../domain/tenants/scope';

export type FireOutcome = { kind: 'early'; until: Date } | { kind: 'done'; fired: number };

interface Claim {
  fired: number;
  /** The next timer of every clock still running. */
  next: SlaTimer[];
  /** What fired (with any older unposted events), leased in the same transaction. */
  leased?: Leased;
}

// Timers act for no person: platform-wide, on the incident the timer names.
const TIMERS = Scope.platform('SLA timer firing');

/**
 * A timer for incident N at T went off. In one transaction, under the incident's row lock:
 * re-read its clocks (Postgres is the truth), settle those whose condition was met since (an
 * update on the timeline, the incident resolved), and fire each clock whose next step is due:
 * an event row unique per clock, generation and step is the claim that makes it once-only.
 * Then schedule what comes next, and hand the events to the post queue. A timer that finds
 * nothing due does nothing.
 */
export async function fireSlaTimer(deps: SlaDeps, timer: SlaTimer): Promise<FireOutcome> {
  const now = deps.clock.now();
  // Another host's clock may run ahead: never decide a breach before its time here.
  if (now.getTime() < timer.at.getTime()) return { kind: 'early', until: timer.at };
  const claim = await deps.store.inScope(TIMERS, (tx) => claimDue(deps, tx, timer.incident, now));
  if (!claim) return { kind: 'done', fired: 0 };
  await deps.timers.ensure(claim.next);
  // Handing the events to the outbox is quick (it doesn't wait for Slack); if it fails, the
  // lease is given back and the post queue tries again.
  if (claim.leased)
    await sendLeased(deps, claim.leased).catch(async (err: unknown) => {
      deps.log.warn({ err, incident: timer.incident }, 'SLA events not handed over; queued');
      await deps.timers.deliver(timer.incident, now);
    });
  return { kind: 'done', fired: claim.fired };
}

async function claimDue(
  deps: SlaDeps,
  tx: SlaTx,
  number: number,
  now: Date,
): Promise<Claim | undefined> {
  const incident = await tx.incident(number, { forUpdate: true });
  if (!incident) return undefined;
  const active = await tx.clocksOf(number, { activeOnly: true, forUpdate: true });
  const clocks = await settle(deps, tx, incident, active, now);
  let fired = 0;
  const after: SlaClock[] = [];
  for (const clock of clocks) {
    const next = nextTimer(clock, now);
    if (!next || next.at.getTime() > now.getTime()) {
      after.push(clock);
      continue;
    }
    const claimed = await tx.insertEvent({
      incident: number,
      tenant: clock.tenant,
      clockId: clock.id,
      clockKind: clock.kind,
      generation: clock.generation,
      step: next.step,
      dueAt: clock.dueAt,
      scheduledAt: next.at,
      firedAt: now,
    });
    after.push(await tx.updateClock(clock.id, afterFiring(clock, next.step, now)));
    if (!claimed) continue;
    fired += 1;
    await tx.appendTimeline(number, firingEntry(clock, next.step, next.at, now));
  }
  // Fired events go out leased in this same transaction, with the incident already read.
  const leased = fired > 0 ? await leaseEvents(deps, tx, incident, now) : undefined;
  return { fired, next: timersOf(after, now), ...(leased ? { leased } : {}) };
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
  now: Date,
): Promise<SlaClock[]> {
  const customer = clocks.filter((c) => isCustomerClock(c.kind));
  if (customer.length === 0) return clocks;
  if (inc.state === 'resolved') {
    for (const c of customer) await tx.updateClock(c.id, { status: 'stopped', stoppedAt: now });
    return clocks.filter((c) => !isCustomerClock(c.kind));
  }
  const updates = await tx.lastUpdates(inc.number);
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
