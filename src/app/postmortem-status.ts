import { DomainError } from '../domain/errors';
import { incidentRef, type Incident } from '../domain/incidents/incident';
import type { OverduePostmortem } from '../ports/postmortem-store';
import type { Actor } from './incident-deps';
import { recordDenials, scopeOf } from './incident-guard';
import { authorizeEvery, viewableIncident } from './postmortem-drafts';
import type { PostmortemDeps } from './postmortem-deps';

/** The post-mortem line of `/incident status`. */
export interface PostmortemStatus {
  ref: string;
  resolved: boolean;
  version: number;
  updatedAt: Date | null;
  dueAt: Date | null;
  overdue: boolean;
  done: { at: Date; by: string | null } | null;
}

/** The post-mortem of an incident the actor was already allowed to view. */
export async function postmortemStatus(
  deps: PostmortemDeps,
  actor: Actor,
  incident: Incident,
): Promise<PostmortemStatus> {
  const { scope } = await scopeOf(deps.incidents, actor.user);
  const read = await deps.store.readInScope(scope, async (tx) => {
    const [state, due] = await Promise.all([tx.state(incident.number), tx.dueAt(incident.number)]);
    return { state, due };
  });
  const now = deps.clock.now();
  const done = read.state?.doneAt ? { at: read.state.doneAt, by: read.state.doneBy } : null;
  const dueAt = read.due ?? null;
  return {
    ref: incidentRef(incident.number),
    resolved: incident.state === 'resolved',
    version: read.state?.latestVersion ?? 0,
    updatedAt: read.state?.updatedAt ?? null,
    dueAt,
    overdue: !done && dueAt !== null && dueAt.getTime() < now.getTime(),
    done,
  };
}

/** Post-mortems past due and not done, on the actor's tenants (for `/incident list`). */
export async function overduePostmortems(
  deps: PostmortemDeps,
  actor: Actor,
): Promise<OverduePostmortem[]> {
  const { scope } = await scopeOf(deps.incidents, actor.user);
  return deps.store.inScope(scope, (tx) => tx.overdue(deps.clock.now(), 25));
}

/**
 * `/incident postmortem [INC-n] done`: records the post-mortem as done, which stops its
 * reminders (`stopClock`, the SLA clocks' postmortemDone). Needs commander on every tenant of
 * the incident, or platform-wide; the incident must be resolved.
 */
export async function finishPostmortem(
  deps: PostmortemDeps,
  actor: Actor,
  ref: number | undefined,
  stopClock?: (incident: number) => Promise<unknown>,
): Promise<{ incident: Incident; at: Date }> {
  const { guarded, incident } = await viewableIncident(deps, actor, ref);
  const label = incidentRef(incident.number);
  const now = deps.clock.now();
  await recordDenials(deps.incidents, actor, () =>
    deps.store.inScope(guarded.scope, async (tx) => {
      authorizeEvery(guarded, 'finish_postmortem', incident);
      if (incident.state !== 'resolved')
        throw new DomainError(
          'not_resolved',
          `${label} is ${incident.state}: resolve it first; its post-mortem is due after that.`,
        );
      const state = await tx.lock(incident.number, incident.tenants);
      if (state.doneAt)
        throw new DomainError(
          'unchanged',
          `The post-mortem of ${label} was already marked done${state.doneBy ? ` by @${state.doneBy}` : ''}.`,
        );
      await tx.markDone(incident.number, now, actor.user);
      await tx.appendTimeline(incident.number, {
        at: now,
        actor: actor.user,
        kind: 'note',
        text: `Post-mortem marked done by @${actor.user}`,
        data: { postmortem: 'done' },
      });
    }),
  );
  if (stopClock) await stopClock(incident.number);
  return { incident, at: now };
}
