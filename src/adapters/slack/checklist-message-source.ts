import { Scope } from '../../domain/tenants/scope';
import type { ChatOutbox, LiveMessageSource, RenderedMessage } from '../../ports/chat-outbox';
import type { ChecklistStore } from '../../ports/checklist-store';
import { renderChecklistMessage } from '../../../templates/checklist-message';

const MESSAGES = Scope.platform('checklist messages');

/** A checklist's message, rendered from the stored checklist when Slack's turn comes. */
export function checklistMessageSource(deps: {
  store: ChecklistStore;
  outbox: ChatOutbox;
  kind: string;
}): LiveMessageSource {
  return {
    async render(ref: string): Promise<RenderedMessage | undefined> {
      const c = await deps.store.get(MESSAGES, Number(ref));
      if (!c?.place.channel) return undefined;
      const message: RenderedMessage = {
        channel: c.place.channel,
        version: c.version,
        ...renderChecklistMessage(c),
      };
      if (c.place.messageTs) message.ts = c.place.messageTs;
      else if (c.place.threadTs) message.threadTs = c.place.threadTs;
      return message;
    },
    async posted(ref: string, at: { channel: string; ts: string }, version: number) {
      const c = await deps.store.messagePosted(Number(ref), at.ts);
      // Confirmed while the first post waited: one edit brings it up to date.
      if (c && c.version > version) await deps.outbox.refresh(deps.kind, ref);
    },
  };
}
