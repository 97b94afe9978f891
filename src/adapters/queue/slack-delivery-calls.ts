import type { ChatPort } from '../../ports/chat';
import type { DeliveryReceipt, LiveMessageSource } from '../../ports/chat-outbox';
import type { DeliveryJob, SentPost, SlackCall } from './slack-delivery-jobs';

/** Live message sources and delivery receipts by kind; the modules that own them register here. */
export class LiveRegistry {
  private readonly sources = new Map<string, LiveMessageSource>();
  private readonly receipts = new Map<string, DeliveryReceipt>();

  registerReceipt(kind: string, receipt: DeliveryReceipt): void {
    this.receipts.set(kind, receipt);
  }

  receipt(kind: string): DeliveryReceipt {
    const receipt = this.receipts.get(kind);
    if (!receipt) throw new Error(`no delivery receipt registered for ${kind}`);
    return receipt;
  }

  register(kind: string, source: LiveMessageSource): void {
    this.sources.set(kind, source);
  }

  get(kind: string): LiveMessageSource {
    const source = this.sources.get(kind);
    if (!source) throw new Error(`no live message source registered for ${kind}`);
    return source;
  }
}

/** Makes one ChatPort call on the real client. */
export async function executeCall(chat: ChatPort, call: SlackCall): Promise<unknown> {
  switch (call.method) {
    case 'postMessage':
      return chat.postMessage(call.msg);
    case 'updateMessage':
      return chat.updateMessage(call.msg);
    case 'postEphemeral':
      return chat.postEphemeral(call.msg);
    case 'createChannel':
      return chat.createChannel(call.name, { private: call.private });
    case 'invite':
      return chat.invite(call.channel, call.users);
    case 'setTopic':
      return chat.setTopic(call.channel, call.topic);
    case 'openModal':
      return chat.openModal(call.triggerId, call.view);
    case 'message':
      return (await chat.message(call.channel, call.ts)) ?? null;
    case 'uploadFile':
      return chat.uploadFile(call.file);
  }
}

/**
 * Sends a live message as it is now: the first post when the job has a lane, else an edit of
 * the posted message. Returns the new post (undefined for an edit or when nothing is to send).
 */
export async function sendLive(
  chat: ChatPort,
  live: LiveRegistry,
  data: Extract<DeliveryJob, { op: 'live' }>,
): Promise<SentPost | undefined> {
  const msg = await live.get(data.kind).render(data.ref);
  if (!msg) return undefined;
  if (msg.ts) {
    await chat.updateMessage({
      channel: msg.channel,
      ts: msg.ts,
      text: msg.text,
      blocks: msg.blocks,
    });
    return undefined;
  }
  // An edit that comes before the first post landed has nothing to edit; the post shows it.
  if (!data.lane) return undefined;
  const posted = await chat.postMessage({
    channel: data.lane.channel,
    threadTs: msg.threadTs,
    text: msg.text,
    blocks: msg.blocks,
  });
  return { channel: posted.channel, ts: posted.ts, version: msg.version };
}
