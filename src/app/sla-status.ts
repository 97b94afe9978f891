import { displayState, isActive, type DisplayState, type SlaClock } from '../domain/sla/sla-clock';
import type { Actor } from './incident-deps';
import { scopeOf } from './incident-guard';
import type { SlaDeps } from './sla-deps';

/** One line of `/incident status`'s SLA section. */
export interface SlaStatusLine {
  tenant: string;
  clock: SlaClock;
  state: DisplayState;
}

export interface SlaStatusView {
  /** Affected tenants the actor may see, in the incident's order. */
  tenants: string[];
  lines: SlaStatusLine[];
  now: Date;
}

/**
 * The SLA clocks of an incident the actor was already allowed to view: per tenant the running
 * clocks (else the latest one, met or stopped), plus incident-wide ones (post-mortem). Row-level
 * security leaves out tenants the actor has no role on.
 */
export async function incidentSlaStatus(
  deps: SlaDeps,
  actor: Actor,
  incident: { number: number; tenants: string[] },
): Promise<SlaStatusView> {
  const { scope } = await scopeOf(deps.incidents, actor.user);
  const clocks = await deps.store.readInScope(scope, (tx) => tx.clocksOf(incident.number));
  const now = deps.clock.now();
  const visible = incident.tenants.filter((t) => scope.includes(t));
  const lines: SlaStatusLine[] = [];
  for (const owner of [...visible, '*']) {
    const mine = clocks.filter((c) => c.tenant === owner);
    const running = mine.filter(isActive);
    const latest = mine.reduce<SlaClock | undefined>(
      (a, c) => (!a || c.id > a.id ? c : a),
      undefined,
    );
    const shown = running.length > 0 ? running : latest ? [latest] : [];
    lines.push(
      ...shown.map((clock) => ({ tenant: owner, clock, state: displayState(clock, now) })),
    );
  }
  return { tenants: visible, lines, now };
}
