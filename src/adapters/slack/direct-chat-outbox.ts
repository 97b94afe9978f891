import type { ChatPort, OutboundMessage } from '../../ports/chat';
import type { ChatOutbox, LiveMessageSource } from '../../ports/chat-outbox';

/** ChatOutbox straight onto a ChatPort (console mode): renders and sends in the caller's time. */
export class DirectChatOutbox implements ChatOutbox {
  private readonly sources = new Map<string, LiveMessageSource>();

  constructor(private readonly chat: ChatPort) {}

  register(kind: string, source: LiveMessageSource): void {
    this.sources.set(kind, source);
  }

  private source(kind: string): LiveMessageSource {
    const source = this.sources.get(kind);
    if (!source) throw new Error(`no live message source registered for ${kind}`);
    return source;
  }

  async publish(kind: string, refs: readonly string[], channel: string): Promise<void> {
    for (const ref of refs) await this.publishOne(kind, ref, channel);
  }

  private async publishOne(kind: string, ref: string, channel: string): Promise<void> {
    const msg = await this.source(kind).render(ref);
    if (!msg) return;
    if (msg.ts) {
      return this.chat.updateMessage({
        channel: msg.channel,
        ts: msg.ts,
        text: msg.text,
        blocks: msg.blocks,
      });
    }
    const posted = await this.chat.postMessage({
      channel,
      threadTs: msg.threadTs,
      text: msg.text,
      blocks: msg.blocks,
    });
    await this.source(kind).posted(ref, posted, msg.version);
  }

  async refresh(kind: string, ref: string): Promise<void> {
    const msg = await this.source(kind).render(ref);
    if (msg?.ts)
      await this.chat.updateMessage({
        channel: msg.channel,
        ts: msg.ts,
        text: msg.text,
        blocks: msg.blocks,
      });
  }

  async send(msg: OutboundMessage): Promise<void> {
    await this.chat.postMessage(msg);
  }
}
