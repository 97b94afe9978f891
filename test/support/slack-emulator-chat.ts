import { blockErrors } from './slack-emulator-blocks';
import {
  fail,
  isFailure,
  jsonArg,
  memberChannel,
  str,
  type MethodContext,
  type MethodHandler,
} from './slack-emulator-method';
import type { EmulatedMessage, SlackArgs, SlackResponse, Workspace } from './slack-emulator-state';

const MAX_TEXT = 40_000;

interface Content {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

/** Validates text/blocks/attachments the way chat.postMessage and chat.update do. */
function readContent(args: SlackArgs): Content | SlackResponse {
  const text = str(args.text);
  const blocks = args.blocks === undefined ? undefined : jsonArg(args.blocks);
  const attachments = args.attachments === undefined ? undefined : jsonArg(args.attachments);
  if (blocks !== undefined) {
    if (!Array.isArray(blocks)) return fail('invalid_blocks_format');
    const messages = blockErrors(blocks);
    if (messages.length > 0) return fail('invalid_blocks', { response_metadata: { messages } });
  }
  if (attachments !== undefined && !Array.isArray(attachments)) {
    return fail('invalid_attachments');
  }
  if (!text && (blocks === undefined || blocks.length === 0) && attachments === undefined) {
    return fail('no_text');
  }
  if (text !== undefined && text.length > MAX_TEXT) return fail('msg_too_long');
  return { text, blocks, attachments };
}

function isContentError(value: Content | SlackResponse): value is SlackResponse {
  return 'ok' in value;
}

/** The message object Slack echoes back: no internal `channel`, plus team and app ids. */
export function publicMessage(ws: Workspace, m: EmulatedMessage): Record<string, unknown> {
  const { channel: _channel, ...rest } = m;
  return m.bot_id ? { ...rest, app_id: ws.identity.appId, team: ws.identity.teamId } : rest;
}

const postMessage: MethodHandler = ({ ws, args }) => {
  const channel = memberChannel(ws, args.channel);
  if (isFailure(channel)) return channel;
  const content = readContent(args);
  if (isContentError(content)) return content;
  const message: EmulatedMessage = {
    type: 'message',
    channel: channel.id,
    ts: ws.nextTs(),
    user: ws.identity.botUserId,
    bot_id: ws.identity.botId,
    text: content.text ?? '',
    ...(content.blocks && { blocks: content.blocks }),
    ...(content.attachments && { attachments: content.attachments }),
    ...(args.metadata !== undefined && { metadata: jsonArg(args.metadata) }),
  };
  ws.addMessage(message, str(args.thread_ts));
  return { ok: true, channel: channel.id, ts: message.ts, message: publicMessage(ws, message) };
};

const update: MethodHandler = ({ ws, args }) => {
  const channel = ws.resolveChannel(args.channel);
  if (!channel) return fail('channel_not_found');
  const message = ws.findMessage(channel.id, str(args.ts));
  if (!message) return fail('message_not_found');
  if (message.user !== ws.identity.botUserId) return fail('cant_update_message');
  if (channel.isArchived) return fail('is_archived');
  const content = readContent(args);
  if (isContentError(content)) return content;
  // Only the fields sent are replaced; Slack keeps blocks unless an empty array is sent.
  if (content.text !== undefined) message.text = content.text;
  if (content.blocks !== undefined) message.blocks = content.blocks;
  if (content.attachments !== undefined) message.attachments = content.attachments;
  message.edited = { user: ws.identity.botUserId, ts: ws.nextTs() };
  return {
    ok: true,
    channel: channel.id,
    ts: message.ts,
    text: message.text,
    message: publicMessage(ws, message),
  };
};

const postEphemeral: MethodHandler = ({ ws, args }) => {
  const channel = memberChannel(ws, args.channel);
  if (isFailure(channel)) return channel;
  const user = ws.user(args.user);
  if (!user) return fail('user_not_found');
  const content = readContent(args);
  if (isContentError(content)) return content;
  const ts = ws.nextTs();
  const threadTs = str(args.thread_ts);
  ws.ephemerals.push({
    channel: channel.id,
    user: user.id,
    ts,
    text: content.text ?? '',
    ...(content.blocks && { blocks: content.blocks }),
    ...(threadTs !== undefined && { thread_ts: threadTs }),
  });
  return { ok: true, message_ts: ts };
};

const getPermalink: MethodHandler = ({ ws, args }) => {
  const channel = ws.resolveChannel(args.channel);
  if (!channel) return fail('channel_not_found');
  const message = ws.findMessage(channel.id, str(args.message_ts));
  if (!message) return fail('message_not_found');
  const base = `https://${ws.identity.teamDomain}.slack.com/archives/${channel.id}`;
  const link = `${base}/p${message.ts.replace('.', '')}`;
  const inThread = message.thread_ts !== undefined && message.thread_ts !== message.ts;
  const permalink = inThread ? `${link}?thread_ts=${message.thread_ts}&cid=${channel.id}` : link;
  return { ok: true, channel: channel.id, permalink };
};

function targetMessage({ ws, args }: MethodContext): EmulatedMessage | SlackResponse {
  const channel = ws.resolveChannel(args.channel);
  if (!channel) return fail('channel_not_found');
  return ws.findMessage(channel.id, str(args.timestamp)) ?? fail('message_not_found');
}

const reactionsAdd: MethodHandler = (ctx) => {
  const name = str(ctx.args.name)?.replace(/^:|:$/g, '');
  if (!name) return fail('invalid_name');
  const message = targetMessage(ctx);
  if ('ok' in message) return message;
  const reactions = (message.reactions ??= []);
  const bot = ctx.ws.identity.botUserId;
  const existing = reactions.find((r) => r.name === name);
  if (existing?.users.includes(bot)) return fail('already_reacted');
  if (existing) {
    existing.users.push(bot);
    existing.count += 1;
  } else {
    reactions.push({ name, users: [bot], count: 1 });
  }
  return { ok: true };
};

const pinsAdd: MethodHandler = (ctx) => {
  const message = targetMessage(ctx);
  if ('ok' in message) return message;
  const channel = ctx.ws.channels.get(message.channel);
  if (!channel || channel.pins.includes(message.ts)) return fail('already_pinned');
  channel.pins.push(message.ts);
  message.pinned_to = [channel.id];
  return { ok: true };
};

export const chatMethods: Record<string, MethodHandler> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.postEphemeral': postEphemeral,
  'chat.getPermalink': getPermalink,
  'reactions.add': reactionsAdd,
  'pins.add': pinsAdd,
};
