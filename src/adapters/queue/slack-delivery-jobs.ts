import type { Block, OutboundFile, OutboundMessage } from '../../ports/chat';
import type { ReceiptRef } from '../../ports/chat-outbox';

/** The one queue every outbound Slack call of the runtime goes through. */
export const SLACK_DELIVERY_QUEUE = 'slack-delivery';

/** One ChatPort call, as job data. */
export type SlackCall =
  | { method: 'postMessage'; msg: OutboundMessage }
  | {
      method: 'updateMessage';
      msg: { channel: string; ts: string; text: string; blocks?: Block[] };
    }
  | {
      method: 'postEphemeral';
      msg: { channel: string; user: string; text: string; blocks?: Block[] };
    }
  | { method: 'createChannel'; name: string; private: boolean }
  | { method: 'invite'; channel: string; users: string[] }
  | { method: 'setTopic'; channel: string; topic: string }
  | { method: 'openModal'; triggerId: string; view: Block }
  | { method: 'message'; channel: string; ts: string }
  | { method: 'uploadFile'; file: OutboundFile };

/** A chat.postMessage's place in its channel's lane: sent only after `seq - 1`. */
export interface LaneRef {
  channel: string;
  seq: number;
  /** The lane row's epoch (absent in jobs queued before epochs existed). */
  epoch?: string;
}

/** What a lane job already sent (kept in the job, so a re-run after a crash doesn't post twice). */
export interface SentPost {
  channel: string;
  ts: string;
  /** Live messages: the version of the state the post showed. */
  version?: number;
}

export type DeliveryJob =
  | {
      op: 'call';
      call: SlackCall;
      lane?: LaneRef;
      sent?: SentPost;
      suspect?: number;
      /** A post whose owner keeps its own record: asked before sending, told after. */
      receipt?: ReceiptRef;
    }
  // A live message: rendered when sent; with a lane it is the first post, without it an edit.
  | { op: 'live'; kind: string; ref: string; lane?: LaneRef; sent?: SentPost; suspect?: number };

/** Slack's chat.postMessage limit: about one message per second per channel, short bursts. */
export interface LaneRate {
  intervalMs: number;
  burst: number;
  /** Sent this much later than the limit allows, for clock granularity (a constant offset). */
  marginMs: number;
}

export const SLACK_POST_RATE: LaneRate = { intervalMs: 1000, burst: 3, marginMs: 50 };

/** GCRA tolerance: how far ahead of its theoretical time a post may go (the burst, less the margin). */
export function burstToleranceMs(rate: LaneRate): number {
  return Math.max(0, (rate.burst - 1) * rate.intervalMs - rate.marginMs);
}

// Job ids: deterministic where the work has an identity, never ':' or all digits.
function idPart(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_');
}

export function laneJobId(channel: string, seq: number, epoch?: string): string {
  return epoch
    ? `post-${idPart(channel)}-${idPart(epoch)}-${seq}`
    : `post-${idPart(channel)}-${seq}`;
}

export function updateDedupId(channel: string, ts: string): string {
  return `upd-${idPart(channel)}-${idPart(ts)}`;
}

export function liveDedupId(kind: string, ref: string): string {
  return `live-${idPart(kind)}-${idPart(ref)}`;
}

/** Attempts and backoff for 5xx and network errors; 429s wait Retry-After without using one. */
export const DELIVERY_JOB_OPTIONS = {
  attempts: 6,
  backoff: { type: 'exponential' as const, delay: 1000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** Bulk deliveries yield to interactive ones (a modal's trigger_id expires in 3 s). */
export const BULK_PRIORITY = 5;

/** Coalescing window for edits of one message: a burst within it becomes one chat.update. */
export const EDIT_COALESCE_MS = 250;

/** How long a caller waits for a call whose result it needs (a post behind a long lane). */
export const WAIT_TIMEOUT_MS = 10 * 60_000;
/** How often a waiting caller looks at its job, in case its finish event never arrives. */
export const WAIT_POLL_MS = 1000;

/** How long a post behind `behind` others sleeps before looking again (its predecessor wakes it). */
export function parkDelayMs(behind: number, rate: LaneRate): number {
  return Math.min(30_000, Math.max(250, behind * rate.intervalMs));
}

export function describeCall(data: DeliveryJob): {
  method: string;
  channel?: string;
  threadTs?: string;
  messageTs?: string;
  summary: string;
} {
  if (data.op === 'live')
    return {
      method: data.lane ? 'chat.postMessage' : 'chat.update',
      channel: data.lane?.channel,
      summary: `${data.kind} ${data.ref}`,
    };
  const call = data.call;
  switch (call.method) {
    case 'postMessage':
      return {
        method: 'chat.postMessage',
        channel: call.msg.channel,
        threadTs: call.msg.threadTs,
        summary: call.msg.text.slice(0, 200),
      };
    case 'updateMessage':
      return {
        method: 'chat.update',
        channel: call.msg.channel,
        messageTs: call.msg.ts,
        summary: call.msg.text.slice(0, 200),
      };
    case 'postEphemeral':
      return {
        method: 'chat.postEphemeral',
        channel: call.msg.channel,
        summary: call.msg.text.slice(0, 200),
      };
    case 'createChannel':
      return { method: 'conversations.create', summary: call.name };
    case 'invite':
      return {
        method: 'conversations.invite',
        channel: call.channel,
        summary: call.users.join(','),
      };
    case 'setTopic':
      return {
        method: 'conversations.setTopic',
        channel: call.channel,
        summary: call.topic.slice(0, 200),
      };
    case 'openModal':
      return { method: 'views.open', summary: 'modal' };
    case 'message':
      return { method: 'conversations.replies', channel: call.channel, summary: call.ts };
    case 'uploadFile':
      return {
        method: 'files.completeUploadExternal',
        channel: call.file.channel,
        threadTs: call.file.threadTs,
        summary: `${call.file.filename} (${call.file.content.length} characters)`,
      };
  }
}
