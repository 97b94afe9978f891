import { ALERT_GROUP_MESSAGE, placeKeyOf } from '../domain/alerts/alert-group';
import { decideAction } from '../domain/alerts/alert-rules';
import { incidentRef } from '../domain/incidents/incident';
import type { ChangedGroup } from '../ports/alert-store';
import { renderResolvedNotice } from '../../templates/alert-thread';
import { ALERT_ACTOR, type AlertDeps } from './alert-deps';
import { Scope } from '../domain/tenants/scope';

/**
 * Applies stored payloads (in one transaction): dedup and grouping happen in the store. A new thread-only group of
 * a tenant without an open incident is posted in the incident channel at once; other new groups
 * go to their tenant's placement job; placed ones get their thread message refreshed, and a
 * group whose last alert resolved says so in its thread. Never waits for Slack.
 */
export async function processAlertPayloads(
  deps: AlertDeps,
  payloadIds: number[],
): Promise<ChangedGroup[]> {
  const changed = await deps.store.applyPayloads(payloadIds, {
    decide: (a) => decideAction(a, deps.settings.rules),
    now: deps.clock.now(),
    ...(deps.settings.incidentChannel ? { threadsIn: deps.settings.incidentChannel } : {}),
  });
  const toPlace = new Set<string>();
  const toPublish = new Map<string, string[]>();
  for (const g of changed) {
    if (g.action === 'ignore' || g.total === 0) continue;
    if (!g.placed) toPlace.add(placeKeyOf(g));
    else if (g.justPlaced && g.channelId)
      toPublish.set(g.channelId, [...(toPublish.get(g.channelId) ?? []), String(g.id)]);
    else {
      await deps.outbox.refresh(ALERT_GROUP_MESSAGE, String(g.id));
      if (g.justResolved) await announceResolved(deps, g);
    }
  }
  for (const [channel, refs] of toPublish)
    await deps.outbox.publish(ALERT_GROUP_MESSAGE, refs, channel);
  for (const key of toPlace) await deps.jobs.place(key);
  return changed;
}

async function announceResolved(deps: AlertDeps, g: ChangedGroup): Promise<void> {
  if (g.incidentId !== undefined && g.tenantId !== undefined) {
    const incident = g.incidentId;
    await deps.incidents.store.inScope(Scope.of([g.tenantId]), (tx) =>
      tx.appendTimeline(incident, {
        at: deps.clock.now(),
        actor: ALERT_ACTOR,
        kind: 'alert',
        text: `Alert ${g.name} resolved (${g.total} alerts)`,
        tenants: [g.tenantId as string],
      }),
    );
  }
  // The claim needs the thread's message: a group resolved before its first post shows it there.
  if (g.channelId !== undefined && (await deps.store.claimResolveNotice(g.id))) {
    await deps.outbox.send({
      channel: g.channelId,
      threadTs: g.threadTs ?? g.messageTs,
      text: renderResolvedNotice({
        name: g.name,
        total: g.total,
        ...(g.incidentId === undefined ? {} : { incident: incidentRef(g.incidentId) }),
      }),
    });
  }
}

/** Queues payloads that were stored but never processed (a lost enqueue, a crash). */
export async function requeueUnprocessed(deps: AlertDeps, olderThanMs: number): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - olderThanMs);
  const ids = await deps.store.unprocessedPayloads(before, 500);
  for (const id of ids) await deps.jobs.process(id);
  return ids.length;
}
