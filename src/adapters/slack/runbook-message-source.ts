import { Scope } from '../../domain/tenants/scope';
import type { ChatOutbox, LiveMessageSource, RenderedMessage } from '../../ports/chat-outbox';
import type { Clock } from '../../ports/clock';
import type {
  CommsDraft,
  RestoreOffer,
  RpoStale,
  RunbookNotices,
  SharedFile,
} from '../../ports/runbook-notices';
import type { Block, ChatPort } from '../../ports/chat';
import type { RunbookStore } from '../../ports/runbook-store';
import type { Run } from '../../domain/runbooks/runbook';
import {
  renderApprovalRequest,
  renderRpoStale,
  renderRtoBreach,
  renderRunbookMessage,
} from '../../../templates/runbook-message';
import { renderCommsDraft, renderRestoreOffer } from '../../../templates/runbook-offers';

const MESSAGES = Scope.platform('runbook progress messages');

/**
 * A run's progress message, rendered from the run as it is when Slack's turn comes: a fast run
 * becomes one post and a few edits, within Slack's limits (the delivery queue coalesces).
 */
export function runbookMessageSource(deps: {
  store: RunbookStore;
  outbox: ChatOutbox;
  clock: Clock;
  rtoMs: number;
  kind: string;
}): LiveMessageSource {
  return {
    async render(ref: string): Promise<RenderedMessage | undefined> {
      const run = await deps.store.get(MESSAGES, Number(ref));
      if (!run?.place.channel) return undefined;
      const view = renderRunbookMessage({ run, now: deps.clock.now(), rtoMs: deps.rtoMs });
      const message: RenderedMessage = {
        channel: run.place.channel,
        version: run.version,
        ...view,
      };
      if (run.place.messageTs) message.ts = run.place.messageTs;
      else if (run.place.threadTs) message.threadTs = run.place.threadTs;
      return message;
    },
    async posted(ref: string, at: { channel: string; ts: string }, version: number): Promise<void> {
      const run = await deps.store.messagePosted(Number(ref), at.ts);
      // Changes while the first post waited for its turn: one edit brings it up to date.
      if (run && run.version > version) await deps.outbox.refresh(deps.kind, ref);
    },
  };
}

/** Approval requests and RTO breaches in the run's thread; RPO notices in the platform channel. */
export class ChatRunbookNotices implements RunbookNotices {
  constructor(
    private readonly outbox: ChatOutbox,
    private readonly platformChannel: string | undefined,
    /** Files (audit-log extracts) go straight to chat: the outbox carries messages only. */
    private readonly chat?: ChatPort,
  ) {}

  commsDraft(run: Run, draft: CommsDraft): Promise<void> {
    return this.say(run, renderCommsDraft(run, draft));
  }

  restoreOffer(run: Run, offer: RestoreOffer): Promise<void> {
    const { text, blocks } = renderRestoreOffer(run, offer);
    return this.say(run, text, blocks);
  }

  async shareFile(place: { channel: string; threadTs?: string }, file: SharedFile): Promise<void> {
    if (!this.chat) throw new Error('no chat to share files in');
    await this.chat.uploadFile({ ...place, ...file });
  }

  async rpoStale(tenants: readonly RpoStale[]): Promise<void> {
    if (!this.platformChannel) return;
    await this.outbox.send({ channel: this.platformChannel, text: renderRpoStale(tenants) });
  }

  approvalNeeded(run: Run, approvers: readonly string[]): Promise<void> {
    return this.say(run, renderApprovalRequest(run, approvers));
  }

  rtoBreached(run: Run, comms: readonly string[]): Promise<void> {
    return this.say(run, renderRtoBreach(run, comms));
  }

  private async say(run: Run, text: string, blocks?: Block[]): Promise<void> {
    if (!run.place.channel) return;
    const thread = run.place.threadTs ?? run.place.messageTs ?? undefined;
    await this.outbox.send({
      channel: run.place.channel,
      text,
      ...(blocks ? { blocks } : {}),
      ...(thread ? { threadTs: thread } : {}),
    });
  }
}
