import type { ChatPort, OutboundMessage } from '../../ports/chat';
import type {
  ChatOutbox,
  DeliveryReceipt,
  LiveMessageSource,
  ReceiptRef,
} from '../../ports/chat-outbox';

/** ChatOutbox straight onto a ChatPort (console mode): renders and sends in the caller's time. */
export class DirectChatOutbox implements ChatOutbox {
  private readonly sources = new Map<string, LiveMessageSource>();
  private readonly receipts = new Map<string, DeliveryReceipt>();

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

  registerReceipt(kind: string, receipt: DeliveryReceipt): void {
    this.receipts.set(kind, receipt);
  }

  async send(msg: OutboundMessage, receipt?: ReceiptRef): Promise<void> {
    const hook = receipt && this.receipts.get(receipt.kind);
    if (receipt && !hook) throw new Error(`no delivery receipt registered for ${receipt.kind}`);
    if (hook && receipt && !(await hook.claim(receipt.ref, { first: true }))) return;
    const posted = await this.chat.postMessage(msg);
    if (hook && receipt) await hook.delivered(receipt.ref, posted);
  }
}
