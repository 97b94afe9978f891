import type { ChatPort } from '../../ports/chat';
import type { DraftAnnouncement, DraftAnnouncer } from '../../ports/draft-announcer';
import { incidentRef, type Incident } from '../../domain/incidents/incident';
import { draftFilename, renderDraftAnnouncement } from '../../../templates/postmortem-slack';

/** A new draft version goes to the incident's channel (or thread) as a Markdown file. */
export class ChatDraftAnnouncer implements DraftAnnouncer {
  constructor(
    private readonly chat: ChatPort,
    private readonly timezone: string,
  ) {}

  async announce(incident: Incident, draft: DraftAnnouncement): Promise<void> {
    if (!incident.channelId) return;
    const ref = incidentRef(incident.number);
    await this.chat.uploadFile({
      channel: incident.channelId,
      ...(incident.threadTs ? { threadTs: incident.threadTs } : {}),
      filename: draftFilename(ref, draft.version),
      title: `${ref} post-mortem draft v${draft.version}${draft.interim ? ' (interim)' : ''}`,
      content: draft.markdown,
      comment: renderDraftAnnouncement(ref, draft, this.timezone),
    });
  }
}
