import type { Block, OutboundMessage } from './chat';

/** A message rendered from current state at the moment it is sent. */
export interface RenderedMessage {
  channel: string;
  /** Post as a reply in this thread. */
  threadTs?: string;
  /** The message already posted: the delivery edits it instead of posting a new one. */
  ts?: string;
  text: string;
  blocks?: Block[];
  /** Version of the state rendered; `posted` gets it back to tell whether a newer one exists. */
  version: number;
}

/**
 * A message kept in step with some state (an alert group's thread, say). It is rendered when it
 * is sent, never when it is requested, so a burst of changes becomes one post or one edit.
 */
export interface LiveMessageSource {
  /** The message as it should look now; undefined when there is nothing to send. */
  render(ref: string): Promise<RenderedMessage | undefined>;
  /** Called once a first post went out, with where it landed. */
  posted(ref: string, at: { channel: string; ts: string }, version: number): Promise<void>;
}

/** A plain message and its receipt, for `sendAll`. */
export interface OutboxItem {
  msg: OutboundMessage;
  receipt?: ReceiptRef;
}

/** Where a message's delivery is reported: `kind` picks the registered receipt, `ref` the item. */
export interface ReceiptRef {
  kind: string;
  ref: string;
}

/**
 * Told of a durable message's fate, in the process that sends it: the owner of the message
 * (the SLA clocks, say) keeps its own record in step with Slack, whatever happens to the queue.
 */
export interface DeliveryReceipt {
  /**
   * Just before the message goes: false withdraws it (nothing is sent; the lane moves on).
   * `first`: no earlier run of this delivery may have sent it (a retry or a re-run is not first).
   */
  claim(ref: string, attempt: { first: boolean }): Promise<boolean>;
  /** Slack took it (called again if a retry finds it already sent: must be idempotent). */
  delivered(ref: string, at: { channel: string; ts: string }): Promise<void>;
}

/**
 * Outbound chat that never makes the caller wait for Slack: calls are durable once these
 * promises resolve, and are delivered in order per channel within Slack's rate limits.
 */
export interface ChatOutbox {
  register(kind: string, source: LiveMessageSource): void;
  /** Posts the live messages `kind`/`refs` in `channel`, in that order (each rendered when its turn comes). */
  publish(kind: string, refs: readonly string[], channel: string): Promise<void>;
  /** Edits the live message `kind`/`ref` to its current render; bursts become one edit. */
  refresh(kind: string, ref: string): Promise<void>;
  registerReceipt(kind: string, receipt: DeliveryReceipt): void;
  /** Posts a plain message without waiting for its timestamp; `receipt` hears how it went. */
  send(msg: OutboundMessage, receipt?: ReceiptRef): Promise<void>;
  /**
   * `send` for many messages, across channels, handed over together (all or none): a storm's
   * messages cost one hand-over, not one each. Outboxes without it get one `send` each.
   */
  sendAll?(items: readonly OutboxItem[]): Promise<void>;
}

/** A Slack call that failed for good, as `/incident status` shows it. */
export interface DeliveryFailure {
  failedAt: Date;
  method: string;
  channel: string | null;
  summary: string;
  error: string;
  attempts: number;
}

/** Where failed deliveries are kept (nothing is dropped silently). */
export interface DeliveryFailureLog {
  /** Failures in a channel (in a thread of it, when `threadTs` is given): count and newest few. */
  failuresIn(
    channel: string,
    threadTs?: string,
    limit?: number,
  ): Promise<{ total: number; recent: DeliveryFailure[] }>;
}
