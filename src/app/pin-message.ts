import { maskPersonalData } from '../domain/masking';
import { incidentRef } from '../domain/incidents/incident';
import { Scope } from '../domain/tenants/scope';
import type { IncidentDeps } from './incident-deps';
import { authorizeEach, findTarget, recordDenials, recordSkipped, scopeOf } from './incident-guard';

export interface PinInput {
  user: string;
  channel: string;
  /** The pinned message's ts. */
  ts: string;
  text: string;
  /** The thread the message is in (its root's ts), when it is in one. */
  threadTs?: string;
}

export type PinOutcome =
  | { kind: 'not_incident' }
  | { kind: 'duplicate'; incident: number }
  | { kind: 'pinned'; incident: number; tenants: string[]; skipped: string[] };

/**
 * A message marked with :pushpin: goes on the timeline of exactly the incident whose channel
 * or thread it is in (never "the open incident of a shared channel"), by a person with a role
 * on it: the entry belongs to the tenants they hold a role on (the others are skipped and
 * audited), and a person with none is refused and audited.
 */
export async function pinMessageToTimeline(
  deps: IncidentDeps,
  input: PinInput,
): Promise<PinOutcome> {
  if (!input.text.trim()) return { kind: 'not_incident' };
  const number = await deps.store.incidentAt({
    channel: input.channel,
    threadTs: input.threadTs,
    messageTs: input.ts,
  });
  if (typeof number !== 'number') return { kind: 'not_incident' };
  const actor = { user: input.user, channel: input.channel };
  const guarded = await scopeOf(deps, input.user);
  const text = maskPersonalData(input.text);
  const outcome = await recordDenials(deps, actor, async () => {
    // The incident's tenants, read platform-wide: a refusal names the incident it was about.
    const tenants = await deps.store.inScope(
      Scope.platform('routing a pin'),
      async (tx) => (await findTarget(tx, number)).tenants,
    );
    const { allowed, skipped } = authorizeEach(guarded, 'pin', tenants, number);
    // The write runs scoped to the tenants it is for: row-level security refuses any other.
    return deps.store.inScope(Scope.of(allowed), async (tx): Promise<PinOutcome> => {
      // Slack redelivers events it thinks were missed: one pin, one entry.
      const at = { channel: input.channel, ts: input.ts };
      if (await tx.timelineHas(number, 'pinned', at))
        return { kind: 'duplicate', incident: number };
      await tx.appendTimeline(number, {
        at: deps.clock.now(),
        actor: input.user,
        kind: 'pinned',
        text: `Pinned: ${text}`,
        tenants: allowed,
        data: at,
      });
      return { kind: 'pinned', incident: number, tenants: allowed, skipped };
    });
  });
  if (outcome.kind !== 'pinned') return outcome;
  await deps.audit.record({
    at: deps.clock.now(),
    actor: input.user,
    action: 'pin',
    outcome: 'allowed',
    tenantIds: outcome.tenants,
    incident: number,
    reason: `message ${input.ts} copied to ${incidentRef(number)}'s timeline`,
  });
  await recordSkipped(deps, actor, guarded, 'pin', outcome.skipped, number);
  return outcome;
}
