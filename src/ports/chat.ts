/** A Block Kit block, kept opaque so the core never depends on Slack's SDK types. */
export type Block = Record<string, unknown>;

export interface OutboundMessage {
  channel: string;
  text: string;
  blocks?: Block[];
  threadTs?: string;
}

/** Everything tenantops says or does in the chat workspace. */
export interface ChatPort {
  postMessage(msg: OutboundMessage): Promise<{ channel: string; ts: string }>;
  updateMessage(msg: {
    channel: string;
    ts: string;
    text: string;
    blocks?: Block[];
  }): Promise<void>;
  postEphemeral(msg: {
    channel: string;
    user: string;
    text: string;
    blocks?: Block[];
  }): Promise<void>;
  /** Creates a channel; on a taken name the adapter picks a free variant. */
  createChannel(name: string, opts: { private: boolean }): Promise<{ id: string; name: string }>;
  invite(channel: string, users: readonly string[]): Promise<void>;
  setTopic(channel: string, topic: string): Promise<void>;
  openModal(triggerId: string, view: Block): Promise<void>;
  /**
   * One message, for :pushpin: copies to the timeline, with the root ts of the thread it is in
   * or roots (a root with replies names itself).
   */
  message(channel: string, ts: string): Promise<{ text: string; threadTs?: string } | undefined>;
}

/** What a use case says back to the person who asked (ephemeral in Slack). */
export type Reply = (msg: { text: string; blocks?: Block[] }) => Promise<void>;
