import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { ConsoleChat } from './console-chat';

export interface ConsoleOptions {
  input: Readable;
  write: (line: string) => void;
  chat: ConsoleChat;
  user: string;
  channel: string;
  teamId?: string;
  /** Where the logs go instead of the terminal, named in the banner. */
  logFile?: string;
  /** Called at end of input, after every event in flight has finished. */
  onEnd: () => Promise<void>;
  /** Console-only commands capabilities add (`:damage` on the demo target). */
  extra?: readonly ConsoleCommand[];
  /** Resolves once queued work (runbook steps, posts) is done, for `:wait`. */
  idle?: () => Promise<void>;
}

/** A `:name <arg>` command of the console, answered with one line. */
export interface ConsoleCommand {
  name: string;
  /** One line for `:help`. */
  usage: string;
  run(arg: string): Promise<string>;
}

const HELP = `Console commands:
  /<command> <text>            run a slash command as the current user, e.g.
                               /incident help   /tenant list   /runbook list
  :as <user>                   act as another Slack user (e.g. :as U0DAVE)
  :in <#channel|id>            type commands in another channel (e.g. an incident channel)
  :say <text>                  post a message in the current channel
  :pin <text>                  post a message and mark it with :pushpin:
  :click <action_id> <value>   press a button of a card (e.g. :click incident_ack 1)
  :wait                        wait until queued work (runbook steps, posts) is done
  :help                        this help`;

// A mention or channel link typed as Slack sends it: `<@U0DAVE>`, `<#C0ABC|name>`.
const SLACK_REF = /(<[@#][A-Z0-9]+(?:\|[^<>]*)?>)/;

/**
 * Typed text as Slack delivers a slash command's text: `&`, `<` and `>` as entities, mentions and
 * channel links as tokens — so the listeners read console input exactly as they read Slack's.
 */
export function asSlackSends(text: string): string {
  return text
    .split(SLACK_REF)
    .map((part, i) =>
      i % 2 === 1 ? part : part.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
    )
    .join('');
}

/**
 * A Bolt Receiver that reads Slack-shaped requests from stdin: the same listeners run as in
 * Slack, one line per command. At end of input it waits for work in flight, then ends.
 */
export class ConsoleReceiver implements Receiver {
  private app?: App;
  private user: string;
  private channel: string;
  private readonly inflight = new Set<Promise<void>>();
  private seq = 0;

  constructor(private readonly opts: ConsoleOptions) {
    this.user = opts.user;
    this.channel = opts.channel;
  }

  init(app: App): void {
    this.app = app;
  }

  start(): Promise<void> {
    const rl = createInterface({ input: this.opts.input, terminal: false });
    const where = `you are ${this.user} in #${this.opts.chat.channelName(this.channel)}`;
    const logs = this.opts.logFile
      ? ` Logs go to ${this.opts.logFile} (warnings and errors also here).`
      : '';
    this.opts.write(`tenantops console — ${where}.${logs} Type :help for help.`);
    // Lines run one after another, in order, as a person typing would.
    let chain = Promise.resolve();
    rl.on('line', (line) => {
      chain = chain.then(() => this.handle(line.trim()));
    });
    rl.on('close', () => {
      void chain.then(async () => {
        while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
        await this.opts.onEnd();
      });
    });
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  private async handle(line: string): Promise<void> {
    if (!line || line.startsWith('#')) return;
    this.opts.write(`${this.user}> ${line}`);
    if (line.startsWith('/')) return this.dispatch(this.slashCommand(line));
    const [word = '', ...rest] = line.split(/\s+/);
    const arg = rest.join(' ');
    switch (word) {
      case ':as':
        this.user = arg.replace(/^<?@?|>$/g, '') || this.user;
        return this.opts.write(`* you are now ${this.user}`);
      case ':in': {
        const id = this.opts.chat.channelByName(arg) ?? (arg || undefined);
        if (id) this.channel = id;
        return this.opts.write(`* now in #${this.opts.chat.channelName(this.channel)}`);
      }
      case ':say':
        this.opts.chat.remember(this.channel, arg);
        return;
      case ':pin': {
        const ts = this.opts.chat.remember(this.channel, arg);
        return this.dispatch(this.reaction(ts));
      }
      case ':click':
        return this.dispatch(this.click(rest[0] ?? '', rest[1] ?? ''));
      case ':wait':
        // Work runs on queues: a script waits here before it acts on what that work made.
        while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
        await this.opts.idle?.();
        return this.opts.write('* queued work is done');
      default: {
        const extra = this.opts.extra?.find((c) => c.name === word);
        if (!extra) return this.opts.write(this.help());
        const said = await extra
          .run(arg)
          .catch((err: unknown) => `failed: ${(err as Error).message}`);
        return this.opts.write(`* ${said}`);
      }
    }
  }

  private help(): string {
    const extra = (this.opts.extra ?? []).map((c) => `\n  ${c.usage}`).join('');
    return `${HELP}${extra}`;
  }

  private base() {
    this.seq += 1;
    return { team_id: this.opts.teamId ?? 'T0CONSOLE', trigger_id: `console.${this.seq}` };
  }

  private slashCommand(line: string): Record<string, unknown> {
    const [command = '', ...words] = line.split(/\s+/);
    return {
      ...this.base(),
      command,
      text: asSlackSends(words.join(' ')),
      user_id: this.user,
      user_name: this.user,
      channel_id: this.channel,
      channel_name: this.opts.chat.channelName(this.channel),
    };
  }

  private reaction(ts: string): Record<string, unknown> {
    return {
      type: 'event_callback',
      team_id: this.base().team_id,
      event_id: `Ev${this.seq}`,
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: 'reaction_added',
        user: this.user,
        reaction: 'pushpin',
        item: { type: 'message', channel: this.channel, ts },
        event_ts: ts,
      },
    };
  }

  private click(actionId: string, value: string): Record<string, unknown> {
    const base = this.base();
    return {
      type: 'block_actions',
      team: { id: base.team_id },
      trigger_id: base.trigger_id,
      user: { id: this.user },
      channel: { id: this.channel },
      actions: [
        {
          type: 'button',
          action_id: actionId,
          block_id: 'console',
          value,
          action_ts: `${Date.now() / 1000}`,
        },
      ],
    };
  }

  private async dispatch(body: Record<string, unknown>): Promise<void> {
    if (!this.app) throw new Error('ConsoleReceiver used before init');
    const event: ReceiverEvent = {
      body,
      ack: (response?: unknown) => {
        const text =
          typeof response === 'string'
            ? response
            : (response as { text?: string } | undefined)?.text;
        if (text) this.opts.write(`  ${this.opts.chat.render(text)}`);
        return Promise.resolve();
      },
    };
    const work = this.app.processEvent(event).catch((err: unknown) => {
      this.opts.write(`  ! ${(err as Error).message}`);
    });
    this.inflight.add(work);
    await work;
    this.inflight.delete(work);
  }
}
