import { ALERT_GROUP_MESSAGE } from '../../domain/alerts/alert-group';
import { incidentRef } from '../../domain/incidents/incident';
import type { AlertStore } from '../../ports/alert-store';
import type { ChatOutbox, LiveMessageSource, RenderedMessage } from '../../ports/chat-outbox';
import { MAX_ALERTS_SHOWN, renderAlertThread } from '../../../templates/alert-thread';

/**
 * An alert group's thread message, rendered from the group as it is when Slack's turn comes:
 * a storm of changes to one group becomes one post and few edits.
 */
export function alertThreadSource(deps: {
  store: AlertStore;
  outbox: ChatOutbox;
}): LiveMessageSource {
  return {
    async render(ref: string): Promise<RenderedMessage | undefined> {
      const g = await deps.store.group(Number(ref));
      if (!g?.channelId) return undefined;
      const alerts = await deps.store.groupAlerts(g.id, MAX_ALERTS_SHOWN);
      const view = renderAlertThread({
        name: g.name,
        state: g.state,
        firing: g.firing,
        acknowledged: g.acknowledged,
        total: g.total,
        security: g.security,
        alerts,
        ...(g.tenantId ? { tenantId: g.tenantId } : {}),
        ...(g.claimedTenant ? { claimedTenant: g.claimedTenant } : {}),
        ...(g.incidentId ? { incident: incidentRef(g.incidentId) } : {}),
        ...(g.severity ? { severity: g.severity } : {}),
        ...(g.suggestRunbook ? { suggestRunbook: g.suggestRunbook } : {}),
      });
      const message: RenderedMessage = { channel: g.channelId, version: g.version, ...view };
      if (g.messageTs) message.ts = g.messageTs;
      else if (g.threadTs) message.threadTs = g.threadTs;
      return message;
    },
    async posted(ref: string, at: { channel: string; ts: string }, version: number): Promise<void> {
      const g = await deps.store.messagePosted(Number(ref), at.channel, at.ts);
      // Changes while the first post waited for its turn: one edit brings the message up to date.
      if (g && g.version > version) await deps.outbox.refresh(ALERT_GROUP_MESSAGE, ref);
    },
  };
}
