import { DomainError } from '../domain/errors';
import { assertOpen, incidentRef, type Incident } from '../domain/incidents/incident';
import { formatDuration } from '../domain/sla/duration';
import { isActive, securitySchedule, type SlaClock } from '../domain/sla/sla-clock';
import type { Actor } from './incident-deps';
import {
  authorize,
  authorizeEach,
  findTarget,
  recordDenials,
  recordSkipped,
  scopeOf,
  targetRef,
  type Guarded,
} from './incident-guard';
import type { NewTimelineEntry } from '../ports/incident-store';
import type { SlaIncident, SlaTx } from '../ports/sla-store';
import { withIncident } from './sla-clocks';
import type { SlaDeps } from './sla-deps';

export interface SecurityResult {
  incident: Incident;
  awareAt: Date;
  dueAt: Date;
  /** The private channel the incident moved to (channel mode, first marking only). */
  movedTo?: string;
}

/** Finds the incident in the actor's scope and checks the action there; nothing is written. */
async function target(
  deps: SlaDeps,
  actor: Actor,
  ref: number | undefined,
  action: 'security' | 'notify',
  tenants?: (i: Incident) => string[],
): Promise<{ incident: Incident; guarded: Guarded }> {
  const d = deps.incidents;
  const number = await targetRef(d, actor, ref);
  const guarded = await scopeOf(d, actor.user);
  const incident = await recordDenials(d, actor, () =>
    d.store.inScope(guarded.scope, async (tx) => {
      const found = await findTarget(tx, number);
      authorize(guarded, action, tenants ? tenants(found) : found.tenants, found.number);
      return found;
    }),
  );
  return { incident, guarded };
}
/**
 * `/incident security [aware=<time>]`: marks the incident as a security incident and starts,
 * for every affected tenant, the notification clock due `aware + notifyWithin` (aware defaults
 * to now; in the future it is refused before anything is written). In channel mode the
 * incident moves to a private channel. Run again with `aware=` to correct the aware time.
 */
export async function markSecurityIncident(
  deps: SlaDeps,
  actor: Actor,
  input: { ref?: number; aware?: Date },
): Promise<SecurityResult> {
  const now = deps.clock.now();
  const awareAt = input.aware ?? now;
  if (awareAt.getTime() > now.getTime()) {
    throw new DomainError(
      'aware_in_future',
      `aware=${awareAt.toISOString()} is in the future: give the time the team became aware (now or earlier).`,
    );
  }
  const { incident: found, guarded } = await target(deps, actor, input.ref, 'security');
  assertOpen(found);
  const ref = incidentRef(found.number);
  if (found.security && !input.aware) {
    throw new DomainError(
      'unchanged',
      `${ref} is already a security incident. To correct when you became aware: \`/incident security ${ref} aware=<ISO time>\`.`,
    );
  }
  let marked: Incident = found;
  // The check is made again on the locked row, in the actor's scope, in the writing transaction.
  const write = (tx: SlaTx, inc: SlaIncident, existing: SlaClock[]) => {
    authorize(guarded, 'security', inc.tenants, inc.number);
    return markAndStart(tx, inc, existing);
  };
  const markAndStart = async (tx: SlaTx, inc: SlaIncident, existing: SlaClock[]) => {
    marked = await tx.markSecurity(inc.number, awareAt);
    const schedule = securitySchedule(awareAt, deps.settings.notifyWithinMs, now);
    const started: SlaClock[] = [];
    for (const tenant of inc.tenants) {
      const done = existing.find(
        (c) => c.tenant === tenant && c.kind === 'security_notify' && c.status === 'met',
      );
      if (!done)
        started.push(
          await tx.startClock({
            incident: inc.number,
            tenant,
            kind: 'security_notify',
            ...schedule,
          }),
        );
    }
    await tx.appendTimeline(inc.number, {
      at: now,
      actor: actor.user,
      kind: 'security',
      text: `Security incident (aware since ${awareAt.toISOString()}): notify ${inc.tenants.join(', ')} by ${schedule.dueAt.toISOString()}`,
      data: { awareAt: awareAt.toISOString(), dueAt: schedule.dueAt.toISOString() },
    });
    return started;
  };
  await recordDenials(deps.incidents, actor, () =>
    withIncident(deps, found.number, write, guarded.scope),
  );
  await deps.incidents.audit.record({
    at: now,
    actor: actor.user,
    action: 'security',
    outcome: 'allowed',
    tenantIds: found.tenants,
    incident: found.number,
  });
  const dueAt = new Date(awareAt.getTime() + deps.settings.notifyWithinMs);
  const movedTo = found.security ? undefined : await goPrivate(deps, actor, guarded, marked);
  const incident = movedTo ? { ...marked, channelId: movedTo } : marked;
  await deps.incidents.notifier.post(incident, {
    kind: 'security_marked',
    actor: actor.user,
    awareAt,
    dueAt,
    tenants: incident.tenants,
    leftMs: dueAt.getTime() - now.getTime(),
  });
  return { incident, awareAt, dueAt, movedTo };
}

/** Channel mode: the work moves to a new private channel (Slack can't make the public one private). */
async function goPrivate(
  deps: SlaDeps,
  actor: Actor,
  guarded: Guarded,
  incident: Incident,
): Promise<string | undefined> {
  await deps.incidents.notifier.cardChanged(incident);
  if (deps.settings.mode !== 'channel' || !incident.channelId || incident.threadTs)
    return undefined;
  const holders = [
    ...(await deps.incidents.access.holdersOf(incident.tenants, 'commander')),
    ...(await deps.incidents.access.holdersOf(incident.tenants, 'comms')),
  ];
  const roles = Object.values(incident.roles).filter((u): u is string => Boolean(u));
  const invite = [...new Set([actor.user, ...roles, ...holders])];
  const place = await deps.room.open(incident, invite);
  const now = deps.clock.now();
  await deps.incidents.store.inScope(guarded.scope, async (tx) => {
    await tx.updateIncident(incident.number, { channelId: place.channelId, cardTs: place.cardTs });
    await tx.appendTimeline(incident.number, {
      at: now,
      actor: actor.user,
      kind: 'security',
      text: `Moved to private channel #${place.channelId}`,
      data: { from: incident.channelId, to: place.channelId },
    });
  });
  return place.channelId;
}

/**
 * `/incident notified <tenant|all>`: records that the tenant(s) were notified of the security
 * incident, which stops their notification clocks. Per tenant: `all` applies to the affected
 * tenants the actor may notify for and names the ones skipped. Refused on an incident that
 * isn't a security incident, for a tenant it doesn't affect, or when already recorded.
 */
export async function recordNotified(
  deps: SlaDeps,
  actor: Actor,
  input: { ref?: number; tenant: string },
): Promise<{ incident: Incident; tenants: string[]; skipped: string[] }> {
  const scopeTenants = (i: Incident) => (input.tenant === 'all' ? i.tenants : [input.tenant]);
  const { incident: found, guarded } = await target(deps, actor, input.ref, 'notify', scopeTenants);
  const ref = incidentRef(found.number);
  if (!found.security) {
    throw new DomainError(
      'not_security',
      `${ref} isn't a security incident, so there is no notification clock to stop. Mark it first with \`/incident security ${ref}\`.`,
    );
  }
  if (input.tenant !== 'all' && !found.tenants.includes(input.tenant)) {
    throw new DomainError(
      'tenant_not_affected',
      `\`${input.tenant}\` isn't affected by ${ref} (${found.tenants.join(', ')}).`,
    );
  }
  const now = deps.clock.now();
  const stopped: SlaClock[] = [];
  let skipped: string[] = [];
  // Checked again on the locked row, in the actor's scope: the write can't reach another tenant.
  await recordDenials(deps.incidents, actor, () =>
    withIncident(
      deps,
      found.number,
      async (tx, inc, clocks) => {
        const split = authorizeEach(guarded, 'notify', scopeTenants(inc), inc.number);
        skipped = split.skipped;
        const open = clocks.filter(
          (c) => c.kind === 'security_notify' && isActive(c) && split.allowed.includes(c.tenant),
        );
        if (open.length === 0)
          throw new DomainError(
            'unchanged',
            `The security notification for ${split.allowed.join(', ')} is already recorded on ${ref}.`,
          );
        for (const c of open) {
          stopped.push(await tx.updateClock(c.id, { status: 'met', metAt: now }));
          await tx.appendTimeline(inc.number, notifiedEntry(actor, c, now));
        }
        return [];
      },
      guarded.scope,
    ),
  );
  const tenants = stopped.map((c) => c.tenant);
  await deps.incidents.audit.record({
    at: now,
    actor: actor.user,
    action: 'notify',
    outcome: 'allowed',
    tenantIds: tenants,
    incident: found.number,
  });
  await recordSkipped(deps.incidents, actor, guarded, 'notify', skipped, found.number);
  await deps.incidents.notifier.post(found, { kind: 'notified', actor: actor.user, tenants });
  return { incident: found, tenants, skipped };
}

function notifiedEntry(actor: Actor, c: SlaClock, now: Date): NewTimelineEntry {
  const timing =
    now <= c.dueAt
      ? `${formatDuration(c.dueAt.getTime() - now.getTime())} before`
      : `${formatDuration(now.getTime() - c.dueAt.getTime())} after`;
  return {
    at: now,
    actor: actor.user,
    kind: 'notified',
    tenants: [c.tenant],
    text: `Security notification to ${c.tenant} recorded (due ${c.dueAt.toISOString()}; ${timing} the deadline)`,
    data: { dueAt: c.dueAt.toISOString() },
  };
}
