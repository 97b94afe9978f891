import type { Block, ChatPort, OutboundFile, OutboundMessage } from '../../ports/chat';
import type {
  ChatOutbox,
  DeliveryReceipt,
  LiveMessageSource,
  OutboxItem,
  ReceiptRef,
} from '../../ports/chat-outbox';
import type { LiveRegistry } from './slack-delivery-calls';
import { EDIT_COALESCE_MS, liveDedupId, updateDedupId } from './slack-delivery-jobs';
import type { DeliveryProducer } from './slack-delivery-producer';

/**
 * ChatPort over the delivery queue. Calls whose result the caller needs (a post's ts, a new
 * channel, a modal that must open) wait for their job; the others return once the job is
 * stored. Edits of one message within EDIT_COALESCE_MS become one chat.update.
 */
export class QueuedChat implements ChatPort {
  readonly outbox: ChatOutbox;

  constructor(
    private readonly producer: DeliveryProducer,
    readonly live: LiveRegistry,
  ) {
    this.outbox = new QueuedOutbox(producer, live);
  }

  async postMessage(msg: OutboundMessage): Promise<{ channel: string; ts: string }> {
    const job = await this.producer.post(
      { op: 'call', call: { method: 'postMessage', msg } },
      msg.channel,
    );
    return this.producer.wait(job);
  }

  async updateMessage(msg: {
    channel: string;
    ts: string;
    text: string;
    blocks?: Block[];
  }): Promise<void> {
    const dedup = {
      id: updateDedupId(msg.channel, msg.ts),
      replace: true,
      delayMs: EDIT_COALESCE_MS,
    };
    await this.producer.add({ op: 'call', call: { method: 'updateMessage', msg } }, { dedup });
  }

  async postEphemeral(msg: {
    channel: string;
    user: string;
    text: string;
    blocks?: Block[];
  }): Promise<void> {
    await this.producer.add(
      { op: 'call', call: { method: 'postEphemeral', msg } },
      { interactive: true },
    );
  }

  async createChannel(
    name: string,
    opts: { private: boolean },
  ): Promise<{ id: string; name: string }> {
    const job = await this.producer.add({
      op: 'call',
      call: { method: 'createChannel', name, private: opts.private },
    });
    return this.producer.wait(job);
  }

  async invite(channel: string, users: readonly string[]): Promise<void> {
    await this.producer.add({ op: 'call', call: { method: 'invite', channel, users: [...users] } });
  }

  async setTopic(channel: string, topic: string): Promise<void> {
    await this.producer.add({ op: 'call', call: { method: 'setTopic', channel, topic } });
  }

  async openModal(triggerId: string, view: Block): Promise<void> {
    const job = await this.producer.add(
      { op: 'call', call: { method: 'openModal', triggerId, view } },
      { interactive: true },
    );
    await this.producer.wait(job);
  }

  async message(
    channel: string,
    ts: string,
  ): Promise<{ text: string; threadTs?: string } | undefined> {
    const job = await this.producer.add(
      { op: 'call', call: { method: 'message', channel, ts } },
      { interactive: true },
    );
    return (await this.producer.wait<{ text: string; threadTs?: string } | null>(job)) ?? undefined;
  }

  // Uploads are rare and not paced like posts (files.* are Tier 4): queued for retries and
  // Retry-After, outside the channel's lane; the caller doesn't wait for Slack.
  async uploadFile(file: OutboundFile): Promise<void> {
    await this.producer.add({ op: 'call', call: { method: 'uploadFile', file } });
  }
}

/** ChatOutbox over the delivery queue: nothing here waits for Slack. */
class QueuedOutbox implements ChatOutbox {
  constructor(
    private readonly producer: DeliveryProducer,
    private readonly live: LiveRegistry,
  ) {}

  register(kind: string, source: LiveMessageSource): void {
    this.live.register(kind, source);
  }

  async publish(kind: string, refs: readonly string[], channel: string): Promise<void> {
    await this.producer.postAll(
      refs.map((ref) => ({ op: 'live', kind, ref })),
      channel,
    );
  }

  async refresh(kind: string, ref: string): Promise<void> {
    await this.producer.add(
      { op: 'live', kind, ref },
      { dedup: { id: liveDedupId(kind, ref), replace: false, delayMs: EDIT_COALESCE_MS } },
    );
  }

  registerReceipt(kind: string, receipt: DeliveryReceipt): void {
    this.live.registerReceipt(kind, receipt);
  }

  async send(msg: OutboundMessage, receipt?: ReceiptRef): Promise<void> {
    await this.producer.post(
      { op: 'call', call: { method: 'postMessage', msg }, ...(receipt ? { receipt } : {}) },
      msg.channel,
    );
  }

  async sendAll(items: readonly OutboxItem[]): Promise<void> {
    await this.producer.postMany(
      items.map(({ msg, receipt }) => ({
        data: { op: 'call', call: { method: 'postMessage', msg }, ...(receipt ? { receipt } : {}) },
        channel: msg.channel,
      })),
    );
  }
}
