import { isActive, restoreSchedule, type SlaClock } from '../domain/sla/sla-clock';
import { withIncident } from './sla-clocks';
import type { SlaDeps } from './sla-deps';

/**
 * A selective restore of `tenant` started for incident `incident`: its RTO clock (2 h) runs,
 * with a warning before and a breach at due. For the restore runbook to call.
 */
export function startRestoreClock(
  deps: SlaDeps,
  incident: number,
  tenant: string,
  startedAt?: Date,
): Promise<SlaClock[]> {
  return withIncident(deps, incident, async (tx, inc, _clocks, now) => {
    if (!inc.tenants.includes(tenant)) return [];
    const schedule = restoreSchedule(startedAt ?? now, now);
    return [
      await tx.startClock({ incident: inc.number, tenant, kind: 'restore_rto', ...schedule }),
    ];
  });
}

/** The restore of `tenant` finished (writes re-enabled): its RTO clock is met. */
export function stopRestoreClock(
  deps: SlaDeps,
  incident: number,
  tenant: string,
): Promise<SlaClock[]> {
  return withIncident(deps, incident, async (tx, _inc, clocks, now) => {
    for (const c of clocks.filter(
      (x) => x.kind === 'restore_rto' && x.tenant === tenant && isActive(x),
    )) {
      await tx.updateClock(c.id, { status: 'met', metAt: now });
    }
    return [];
  });
}
