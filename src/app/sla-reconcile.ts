import { syncIncidentClocks, timersOf } from './sla-clocks';
import type { SlaDeps } from './sla-deps';
import { Scope } from '../domain/tenants/scope';

const PAGE = 2000;

// The reconciler rebuilds every tenant's timers from Postgres: system work for no person.
const RECONCILER = Scope.platform('SLA reconciler');

/** Incidents changed this recently are checked for clocks a failed listener left missing. */
export const REPAIR_WINDOW_MS = 60 * 60 * 1000;

export interface ReconcileReport {
  clocks: number;
  timers: number;
  redelivered: number;
  repaired: number;
}

/**
 * Makes the queue match Postgres: every active clock gets a timer for its next step (the
 * job ids are deterministic, so timers that exist are left alone), events whose post was
 * interrupted get a timer now, and incidents whose listener failed get their clocks.
 * Runs at worker start, periodically, and at once when the queue's state was wiped.
 */
export async function reconcileTimers(deps: SlaDeps): Promise<ReconcileReport> {
  const repaired = await repairClocks(deps);
  const now = deps.clock.now();
  let after = 0;
  let clocks = 0;
  let timers = 0;
  for (;;) {
    const page = await deps.store.inScope(RECONCILER, (tx) => tx.activeClocks(after, PAGE));
    const last = page.at(-1);
    if (!last) break;
    const due = timersOf(page, now);
    await deps.timers.ensure(due);
    clocks += page.length;
    timers += due.length;
    after = last.id;
  }
  const redelivered = await redeliverStalled(deps);
  return { clocks, timers, redelivered, repaired };
}

/** Events claimed but never posted (a worker died mid-post, a post job was lost): post them. */
export async function redeliverStalled(deps: SlaDeps): Promise<number> {
  const now = deps.clock.now();
  const stalled = await deps.store.inScope(RECONCILER, (tx) => tx.stalledDeliveries(now));
  // The job's instant is the firing's own, so repeated passes add the same job id.
  for (const s of stalled) await deps.timers.deliver(s.incident, s.firedAt);
  return stalled.length;
}

async function repairClocks(deps: SlaDeps): Promise<number> {
  const since = new Date(deps.clock.now().getTime() - REPAIR_WINDOW_MS);
  const incidents = await deps.store.inScope(RECONCILER, (tx) => tx.incidentsToRepair(since));
  let repaired = 0;
  for (const number of incidents) {
    const started = await syncIncidentClocks(deps, number);
    if (started.length > 0) {
      repaired += 1;
      deps.log.warn({ incident: `INC-${number}`, clocks: started.length }, 'SLA clocks repaired');
    }
  }
  return repaired;
}
