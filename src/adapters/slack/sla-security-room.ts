import { incidentRef, type Incident } from '../../domain/incidents/incident';
import type { ChatPort } from '../../ports/chat';
import type { SecurityRoom } from '../../ports/sla-security-room';
import { renderIncidentCard } from '../../../templates/incident-card';

/**
 * A private channel `inc-<n>-security` for a security incident: Slack bots can't convert a
 * public channel (admin.conversations.convertToPrivate is for Enterprise Grid org admins), so
 * the work moves, the card is posted there, and the public channel gets a notice.
 */
export class ChatSecurityRoom implements SecurityRoom {
  constructor(private readonly chat: ChatPort) {}

  async open(
    incident: Incident,
    invite: readonly string[],
  ): Promise<{ channelId: string; cardTs: string }> {
    const ref = incidentRef(incident.number);
    const created = await this.chat.createChannel(`inc-${incident.number}-security`, {
      private: true,
    });
    await this.chat.setTopic(
      created.id,
      `${ref} ${incident.severity} · security · ${incident.tenants.join(', ')}`.slice(0, 250),
    );
    if (invite.length > 0) await this.chat.invite(created.id, invite);
    const card = await this.chat.postMessage({
      channel: created.id,
      ...renderIncidentCard(incident),
    });
    if (incident.channelId) {
      await this.chat.postMessage({
        channel: incident.channelId,
        text: `:lock: ${ref} is now a security incident and continues in a private channel. Keep customer data and details out of this channel; ask the incident commander to be added.`,
      });
    }
    return { channelId: created.id, cardTs: card.ts };
  }
}
