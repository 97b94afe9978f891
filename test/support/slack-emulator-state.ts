/** In-memory workspace behind the Slack emulator: channels, messages, users, views. */

export type SlackArgs = Record<string, unknown>;

export interface SlackResponse {
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

export interface Identity {
  teamId: string;
  teamName: string;
  teamDomain: string;
  botUserId: string;
  botId: string;
  botName: string;
  appId: string;
}

export interface EmulatedChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isArchived: boolean;
  isIm: boolean;
  created: number;
  creator: string;
  members: Set<string>;
  topic: { value: string; creator: string; last_set: number };
  purpose: { value: string; creator: string; last_set: number };
  pins: string[];
}

export interface EmulatedReaction {
  name: string;
  users: string[];
  count: number;
}

export interface EmulatedMessage {
  type: 'message';
  channel: string;
  ts: string;
  user: string;
  bot_id?: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  thread_ts?: string;
  reply_count?: number;
  reply_users?: string[];
  latest_reply?: string;
  edited?: { user: string; ts: string };
  reactions?: EmulatedReaction[];
  pinned_to?: string[];
}

export interface EmulatedEphemeral {
  channel: string;
  user: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
}

export interface EmulatedUser {
  id: string;
  team_id: string;
  name: string;
  real_name: string;
  is_bot: boolean;
  deleted: boolean;
  tz: string;
  tz_offset: number;
  profile: { display_name: string; real_name: string; email: string; image_48: string };
}

export interface EmulatedView {
  id: string;
  team_id: string;
  type: string;
  hash: string;
  external_id?: string;
  callback_id?: string;
  private_metadata?: string;
  title?: unknown;
  submit?: unknown;
  close?: unknown;
  blocks: unknown[];
  state: { values: Record<string, unknown> };
  trigger_id?: string;
  [key: string]: unknown;
}

export interface ChannelSeed {
  id: string;
  name: string;
  isPrivate?: boolean;
  /** Whether the bot is in the channel; posting elsewhere yields `not_in_channel`. */
  isMember?: boolean;
  members?: string[];
}

const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
export const USER_ID = /^[UWB][A-Z0-9]{2,}$/;

/** Mutable workspace state; method handlers read and write it, tests inspect it. */
export class Workspace {
  readonly channels = new Map<string, EmulatedChannel>();
  readonly messages: EmulatedMessage[] = [];
  readonly ephemerals: EmulatedEphemeral[] = [];
  readonly users = new Map<string, EmulatedUser>();
  readonly views = new Map<string, EmulatedView>();
  readonly usedTriggers = new Set<string>();
  private seq = 0;

  constructor(
    readonly identity: Identity,
    readonly now: () => number,
    /** Unknown but well-formed channel ids are created on first use (bot is a member). */
    readonly autoCreateChannels: boolean,
  ) {}

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Slack message timestamps: epoch seconds, a dot, six digits, unique per channel. */
  nextTs(): string {
    const seconds = Math.floor(this.now() / 1000);
    return `${seconds}.${String(this.nextSeq() % 1_000_000).padStart(6, '0')}`;
  }

  nextId(prefix: string): string {
    return `${prefix}0${this.nextSeq().toString(36).toUpperCase().padStart(8, '0')}`;
  }

  addChannel(seed: ChannelSeed): EmulatedChannel {
    const members = new Set(seed.members ?? []);
    if (seed.isMember ?? true) members.add(this.identity.botUserId);
    const empty = { value: '', creator: '', last_set: 0 };
    const channel: EmulatedChannel = {
      id: seed.id,
      name: seed.name,
      isPrivate: seed.isPrivate ?? false,
      isArchived: false,
      isIm: seed.id.startsWith('D'),
      created: Math.floor(this.now() / 1000),
      creator: this.identity.botUserId,
      members,
      topic: { ...empty },
      purpose: { ...empty },
      pins: [],
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** Resolves an id, `name` or `#name` the way chat.postMessage does; user ids open a DM. */
  resolveChannel(ref: unknown): EmulatedChannel | undefined {
    if (typeof ref !== 'string' || ref === '') return undefined;
    const byId = this.channels.get(ref);
    if (byId) return byId;
    const name = ref.replace(/^#/, '');
    for (const channel of this.channels.values()) if (channel.name === name) return channel;
    if (USER_ID.test(ref)) {
      const id = `D${ref.slice(1)}`;
      return this.channels.get(id) ?? this.addChannel({ id, name: id, members: [ref] });
    }
    if (this.autoCreateChannels && CHANNEL_ID.test(ref)) {
      return this.addChannel({ id: ref, name: ref.toLowerCase() });
    }
    return undefined;
  }

  /** Appends a message; a reply joins the root thread and bumps its reply counters. */
  addMessage(message: EmulatedMessage, threadTs?: string): void {
    if (threadTs) {
      // Replying to a reply lands in the parent's thread, as in Slack.
      message.thread_ts = this.findMessage(message.channel, threadTs)?.thread_ts ?? threadTs;
      const root = this.findMessage(message.channel, message.thread_ts);
      if (root) {
        root.thread_ts = root.ts;
        root.reply_count = (root.reply_count ?? 0) + 1;
        root.reply_users = [...new Set([...(root.reply_users ?? []), message.user])];
        root.latest_reply = message.ts;
      }
    }
    this.messages.push(message);
  }

  findMessage(channel: string, ts: unknown): EmulatedMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  /** Fake but stable profiles for any well-formed user id, overridable via `addUser`. */
  user(id: unknown): EmulatedUser | undefined {
    if (typeof id !== 'string' || !USER_ID.test(id)) return undefined;
    const known = this.users.get(id);
    if (known) return known;
    const isBot = id === this.identity.botUserId;
    const name = isBot ? this.identity.botName : `user-${id.toLowerCase()}`;
    const realName = isBot ? this.identity.botName : `Test User ${id}`;
    const created: EmulatedUser = {
      id,
      team_id: this.identity.teamId,
      name,
      real_name: realName,
      is_bot: isBot,
      deleted: false,
      tz: 'Europe/Madrid',
      tz_offset: 3600,
      profile: {
        display_name: name,
        real_name: realName,
        email: `${name}@example.test`,
        image_48: `https://avatars.example.test/${id}.png`,
      },
    };
    this.users.set(id, created);
    return created;
  }

  /** The conversation object returned by conversations.info / create / setTopic. */
  channelInfo(channel: EmulatedChannel): Record<string, unknown> {
    return {
      id: channel.id,
      name: channel.name,
      name_normalized: channel.name,
      is_channel: !channel.isPrivate && !channel.isIm,
      is_group: channel.isPrivate,
      is_im: channel.isIm,
      is_mpim: false,
      is_private: channel.isPrivate,
      is_archived: channel.isArchived,
      is_general: channel.name === 'general',
      is_member: channel.members.has(this.identity.botUserId),
      created: channel.created,
      creator: channel.creator,
      context_team_id: this.identity.teamId,
      topic: { ...channel.topic },
      purpose: { ...channel.purpose },
      previous_names: [],
      num_members: channel.members.size,
    };
  }
}
