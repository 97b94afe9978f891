import { maskPersonalData } from '../domain/masking';
import type { IncidentDeps } from './incident-deps';
import { scopeOf } from './incident-guard';

/**
 * A message marked with :pushpin: in an incident channel goes on the timeline, when the person
 * who pinned it has a role on one of the incident's tenants (their scope finds the incident).
 */
export async function pinMessageToTimeline(
  deps: IncidentDeps,
  input: { user: string; channel: string; ts: string; text: string; threadTs?: string },
): Promise<boolean> {
  if (!input.text.trim()) return false;
  const text = maskPersonalData(input.text);
  const { scope } = await scopeOf(deps, input.user);
  return deps.store.inScope(scope, async (tx) => {
    const incident = await tx.findIncidentByChannel(input.channel, input.threadTs);
    if (!incident) return false;
    // Slack redelivers events it thinks were missed: one pin, one entry.
    if (await tx.timelineHas(incident.number, 'pinned', { channel: input.channel, ts: input.ts }))
      return false;
    await tx.appendTimeline(incident.number, {
      at: deps.clock.now(),
      actor: input.user,
      kind: 'pinned',
      text: `Pinned: ${text}`,
      data: { channel: input.channel, ts: input.ts },
    });
    return true;
  });
}
