import { incidentChannelName, incidentRef, type Incident } from '../../domain/incidents/incident';
import type { ChatPort, OutboundMessage } from '../../ports/chat';
import type { ChatOutbox } from '../../ports/chat-outbox';
import type { IncidentNotifier, IncidentPlace } from '../../ports/incident-notifier';
import { renderIncidentCard } from '../../../templates/incident-card';
import { plainToMrkdwn } from '../../../templates/mrkdwn';

export interface NotifierOptions {
  mode: 'channel' | 'thread';
  /** Where incidents are announced (thread mode: where their threads live). */
  incidentChannel?: string;
  /**
   * Durable posts nobody needs to wait for (the announcement, the thread's first reply, updates):
   * with a delivery queue the declare doesn't wait for the incident channel's pacing.
   */
  outbox: ChatOutbox;
}

/** Incidents in chat: a channel per incident (or a thread), a live card, posts and invites. */
export class ChatIncidentNotifier implements IncidentNotifier {
  constructor(
    private readonly chat: ChatPort,
    private readonly opts: NotifierOptions,
  ) {}

  async opened(incident: Incident, invite: readonly string[]): Promise<IncidentPlace> {
    const card = renderIncidentCard(incident);
    const ref = incidentRef(incident.number);
    if (this.opts.mode === 'thread') {
      const channel = this.opts.incidentChannel as string;
      const posted = await this.chat.postMessage({ channel, ...card });
      await this.send({
        channel,
        threadTs: posted.ts,
        text: `Work ${ref} in this thread. Commands here may omit ${ref}. ${mentions(invite)}`,
      });
      return { channelId: channel, threadTs: posted.ts, cardTs: posted.ts };
    }
    const created = await this.chat.createChannel(
      incidentChannelName(incident.number, incident.title),
      {
        private: incident.security,
      },
    );
    await this.chat.setTopic(
      created.id,
      `${ref} ${incident.severity} · ${incident.tenants.join(', ')} · ${incident.title}`.slice(
        0,
        250,
      ),
    );
    if (invite.length > 0) await this.chat.invite(created.id, [...new Set(invite)]);
    const posted = await this.chat.postMessage({ channel: created.id, ...card });
    if (this.opts.incidentChannel) {
      await this.send({
        channel: this.opts.incidentChannel,
        text: `:rotating_light: ${ref} ${incident.severity} declared for ${incident.tenants.join(', ')}: ${plainToMrkdwn(incident.title)} → <#${created.id}>`,
      });
    }
    return { channelId: created.id, cardTs: posted.ts };
  }

  private send(msg: OutboundMessage): Promise<void> {
    return this.opts.outbox.send(msg);
  }

  async cardChanged(incident: Incident): Promise<void> {
    if (!incident.channelId || !incident.cardTs) return;
    await this.chat.updateMessage({
      channel: incident.channelId,
      ts: incident.cardTs,
      ...renderIncidentCard(incident),
    });
  }

  async post(incident: Incident, text: string): Promise<void> {
    if (!incident.channelId) return;
    await this.send({
      channel: incident.channelId,
      ...(incident.threadTs ? { threadTs: incident.threadTs } : {}),
      text,
    });
  }

  async invite(incident: Incident, users: readonly string[]): Promise<void> {
    // In thread mode the incident channel is shared; mentioning is how people are brought in.
    if (!incident.channelId || this.opts.mode === 'thread' || users.length === 0) return;
    await this.chat.invite(incident.channelId, users);
  }
}

function mentions(users: readonly string[]): string {
  return [...new Set(users)].map((u) => `<@${u}>`).join(' ');
}
