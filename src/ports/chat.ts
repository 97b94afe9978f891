/** A Block Kit block, kept opaque so the core never depends on Slack's SDK types. */
export type Block = Record<string, unknown>;

export interface OutboundMessage {
  channel: string;
  text: string;
  blocks?: Block[];
  threadTs?: string;
}

/** A file shared in a channel (a post-mortem draft), with the message that introduces it. */
export interface OutboundFile {
  channel: string;
  threadTs?: string;
  filename: string;
  title: string;
  content: string;
  /** The message text shown with the file (mrkdwn). */
  comment?: string;
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
  /** Shares a file in a channel (Slack: files.getUploadURLExternal, upload, files.completeUploadExternal). */
  uploadFile(file: OutboundFile): Promise<void>;
}

/** What a use case says back to the person who asked (ephemeral in Slack). */
export type Reply = (msg: { text: string; blocks?: Block[] }) => Promise<void>;
