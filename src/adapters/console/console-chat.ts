import type { Block, ChatPort, OutboundFile, OutboundMessage } from '../../ports/chat';
import { blockKitToText } from './block-kit-text';
import { ANSI_STYLE, PLAIN_STYLE, type TextStyle } from './text-style';

export interface ConsoleChatOptions {
  /** ANSI styles for bold, italic, code…: on when stdout is a terminal, off on a pipe. */
  ansi?: boolean;
}

/**
 * ChatPort for console mode: every bot message is printed as readable text. It keeps the
 * channels and messages it has "posted" so edits, pins and channel names work as in Slack.
 */
export class ConsoleChat implements ChatPort {
  private seq = 0;
  private readonly names = new Map<string, string>();
  private readonly texts = new Map<string, string>();
  private readonly style: TextStyle;

  constructor(
    private readonly write: (line: string) => void,
    channels: Record<string, string> = {},
    opts: ConsoleChatOptions = {},
  ) {
    for (const [id, name] of Object.entries(channels)) this.names.set(id, name);
    this.style = opts.ansi ? ANSI_STYLE : PLAIN_STYLE;
  }

  channelName(id: string): string {
    return this.names.get(id) ?? id;
  }

  channelByName(name: string): string | undefined {
    const wanted = name.replace(/^#/, '');
    for (const [id, n] of this.names) if (n === wanted || id === wanted) return id;
    return undefined;
  }

  /** Records a message typed by the person at the console (for :pin). */
  remember(channel: string, text: string): string {
    const ts = this.nextTs();
    this.texts.set(`${channel}/${ts}`, text);
    return ts;
  }

  private nextTs(): string {
    this.seq += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.seq).padStart(6, '0')}`;
  }

  /** A message as Slack would show it: blocks (or mrkdwn text), channel ids as names. */
  render(text: string, blocks?: Block[]): string {
    return blockKitToText(blocks, text, {
      style: this.style,
      channelName: (id) => this.channelName(id),
    });
  }

  // What each message showed last, so an edit prints only what changed.
  private readonly shown = new Map<string, string[]>();

  private print(header: string, text: string, blocks?: Block[], key?: string): void {
    const lines = this.render(text, blocks).split('\n');
    if (key) this.shown.set(key, lines);
    this.write(`${header}\n${lines.map((l) => `  ${l}`).join('\n')}`);
  }

  /**
   * An edited message shows its first line and the lines that changed, not the whole message
   * again: a runbook's progress message is edited at every step.
   */
  private printEdit(header: string, key: string, text: string, blocks?: Block[]): void {
    const lines = this.render(text, blocks).split('\n');
    const before = new Set(this.shown.get(key) ?? []);
    this.shown.set(key, lines);
    const changed = lines.filter((l, i) => i > 0 && !before.has(l));
    if (changed.length === 0 && before.has(lines[0] ?? '')) return;
    const shown = [lines[0] ?? '', ...changed];
    const more = lines.length - shown.length;
    this.write(
      `${header}\n${shown.map((l) => `  ${l}`).join('\n')}${more > 0 ? `\n  … (${more} lines unchanged)` : ''}`,
    );
  }

  postMessage(msg: OutboundMessage): Promise<{ channel: string; ts: string }> {
    const ts = this.nextTs();
    this.texts.set(`${msg.channel}/${ts}`, msg.text);
    const where = `#${this.channelName(msg.channel)}${msg.threadTs ? ' (thread)' : ''}`;
    this.print(`[${where}] tenantops:`, msg.text, msg.blocks, `${msg.channel}/${ts}`);
    return Promise.resolve({ channel: msg.channel, ts });
  }

  updateMessage(msg: {
    channel: string;
    ts: string;
    text: string;
    blocks?: Block[];
  }): Promise<void> {
    this.texts.set(`${msg.channel}/${msg.ts}`, msg.text);
    this.printEdit(
      `[#${this.channelName(msg.channel)}] tenantops (message updated):`,
      `${msg.channel}/${msg.ts}`,
      msg.text,
      msg.blocks,
    );
    return Promise.resolve();
  }

  postEphemeral(msg: {
    channel: string;
    user: string;
    text: string;
    blocks?: Block[];
  }): Promise<void> {
    this.print(
      `[#${this.channelName(msg.channel)}] (only visible to ${msg.user}):`,
      msg.text,
      msg.blocks,
    );
    return Promise.resolve();
  }

  createChannel(name: string, opts: { private: boolean }): Promise<{ id: string; name: string }> {
    let candidate = name;
    for (let i = 2; [...this.names.values()].includes(candidate); i++) candidate = `${name}-${i}`;
    const id = `C${String(this.names.size + 1).padStart(4, '0')}${candidate
      .replace(/[^a-z0-9]/g, '')
      .toUpperCase()
      .slice(0, 6)}`;
    this.names.set(id, candidate);
    this.write(`* ${opts.private ? 'private ' : ''}channel #${candidate} created`);
    return Promise.resolve({ id, name: candidate });
  }

  invite(channel: string, users: readonly string[]): Promise<void> {
    this.write(`* invited ${users.join(', ')} to #${this.channelName(channel)}`);
    return Promise.resolve();
  }

  setTopic(channel: string, topic: string): Promise<void> {
    this.write(`* #${this.channelName(channel)} topic: ${topic}`);
    return Promise.resolve();
  }

  openModal(_triggerId: string, view: Block): Promise<void> {
    const title = ((view.title as { text?: string } | undefined)?.text ?? 'form').toString();
    this.write(
      `* (a "${title}" form would open in Slack; the console has no forms — type the command with arguments, e.g. /incident declare P1 acme Checkout errors)`,
    );
    return Promise.resolve();
  }

  message(channel: string, ts: string): Promise<{ text: string } | undefined> {
    const text = this.texts.get(`${channel}/${ts}`);
    return Promise.resolve(text === undefined ? undefined : { text });
  }

  uploadFile(file: OutboundFile): Promise<void> {
    const where = `#${this.channelName(file.channel)}${file.threadTs ? ' (thread)' : ''}`;
    this.print(`[${where}] tenantops shared a file: ${file.filename}`, file.comment ?? file.title);
    this.write(
      `----- ${file.filename} -----\n${file.content}\n----- end of ${file.filename} -----`,
    );
    return Promise.resolve();
  }
}
