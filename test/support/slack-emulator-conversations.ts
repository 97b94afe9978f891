import { publicMessage } from './slack-emulator-chat';
import {
  bool,
  fail,
  isFailure,
  memberChannel,
  page,
  str,
  type MethodHandler,
} from './slack-emulator-method';
import type { EmulatedMessage } from './slack-emulator-state';

const MAX_NAME = 80;
const MAX_TOPIC = 250;

/** Slack's naming rule: lowercase letters, digits, hyphens, underscores; 80 chars at most. */
export function channelNameError(name: string | undefined): string | undefined {
  if (!name) return 'invalid_name_required';
  if (name.length > MAX_NAME) return 'invalid_name_maxlength';
  if (!/^[\p{Ll}\p{Lo}\p{N}_-]+$/u.test(name)) return 'invalid_name_specials';
  if (/^[-_]+$/.test(name)) return 'invalid_name_punctuation';
  return undefined;
}

const create: MethodHandler = ({ ws, args }) => {
  const name = str(args.name);
  const invalid = channelNameError(name);
  if (invalid || name === undefined) return fail(invalid ?? 'invalid_name_required');
  for (const existing of ws.channels.values()) {
    if (existing.name === name) return fail('name_taken');
  }
  const channel = ws.addChannel({ id: ws.nextId('C'), name, isPrivate: bool(args.is_private) });
  return { ok: true, channel: ws.channelInfo(channel) };
};

const invite: MethodHandler = ({ ws, args }) => {
  const channel = memberChannel(ws, args.channel);
  if (isFailure(channel)) return channel;
  const users = (str(args.users) ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (users.length === 0) return fail('no_user');
  for (const id of users) {
    // Without force, one bad id fails the whole call and nobody is invited.
    if (id === ws.identity.botUserId) return fail('cant_invite_self');
    if (!ws.user(id)) return fail('user_not_found');
    if (channel.members.has(id)) return fail('already_in_channel');
  }
  for (const id of users) channel.members.add(id);
  return { ok: true, channel: ws.channelInfo(channel) };
};

function setter(field: 'topic' | 'purpose'): MethodHandler {
  return ({ ws, args }) => {
    const channel = memberChannel(ws, args.channel);
    if (isFailure(channel)) return channel;
    const value = str(args[field]) ?? '';
    if (value.length > MAX_TOPIC) return fail('too_long');
    channel[field] = {
      value,
      creator: ws.identity.botUserId,
      last_set: Math.floor(ws.now() / 1000),
    };
    return { ok: true, channel: ws.channelInfo(channel) };
  };
}

const info: MethodHandler = ({ ws, args }) => {
  const channel = ws.resolveChannel(args.channel);
  if (!channel) return fail('channel_not_found');
  return { ok: true, channel: ws.channelInfo(channel) };
};

const archive: MethodHandler = ({ ws, args }) => {
  const channel = ws.resolveChannel(args.channel);
  if (!channel) return fail('channel_not_found');
  if (channel.isArchived) return fail('already_archived');
  if (channel.name === 'general') return fail('cant_archive_general');
  if (!channel.members.has(ws.identity.botUserId)) return fail('not_in_channel');
  channel.isArchived = true;
  return { ok: true };
};

function isTopLevel(m: EmulatedMessage): boolean {
  return m.thread_ts === undefined || m.thread_ts === m.ts;
}

function inRange(ts: string, oldest: number, latest: number, inclusive: boolean): boolean {
  const t = Number(ts);
  return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest;
}

const history: MethodHandler = ({ ws, args }) => {
  const channel = ws.resolveChannel(args.channel);
  if (!channel) return fail('channel_not_found');
  if (!channel.members.has(ws.identity.botUserId)) return fail('not_in_channel');
  const oldest = Number(str(args.oldest) ?? 0);
  const latest = Number(str(args.latest) ?? ws.now() / 1000 + 1);
  const all = ws.messages
    .filter((m) => m.channel === channel.id && isTopLevel(m))
    .filter((m) => inRange(m.ts, oldest, latest, bool(args.inclusive)))
    .sort((a, b) => Number(b.ts) - Number(a.ts));
  const { items, next } = page(all, args);
  return {
    ok: true,
    messages: items.map((m) => publicMessage(ws, m)),
    has_more: next !== '',
    pin_count: channel.pins.length,
    response_metadata: { next_cursor: next },
  };
};

const replies: MethodHandler = ({ ws, args }) => {
  const channel = ws.resolveChannel(args.channel);
  if (!channel) return fail('channel_not_found');
  const ts = str(args.ts);
  const parent = ws.findMessage(channel.id, ts);
  if (!parent) return fail('thread_not_found');
  const root = parent.thread_ts ?? parent.ts;
  const thread = ws.messages
    .filter((m) => m.channel === channel.id && (m.ts === root || m.thread_ts === root))
    .sort((a, b) => Number(a.ts) - Number(b.ts));
  const { items, next } = page(thread, args, 1000);
  return {
    ok: true,
    messages: items.map((m) => publicMessage(ws, m)),
    has_more: next !== '',
    response_metadata: { next_cursor: next },
  };
};

export const conversationMethods: Record<string, MethodHandler> = {
  'conversations.create': create,
  'conversations.invite': invite,
  'conversations.setTopic': setter('topic'),
  'conversations.setPurpose': setter('purpose'),
  'conversations.info': info,
  'conversations.archive': archive,
  'conversations.history': history,
  'conversations.replies': replies,
};
