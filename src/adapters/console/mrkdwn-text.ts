import { renderEmoji } from './emoji';
import { formatSlackDate, type DateContext } from './slack-date';
import { PLAIN_STYLE, type TextStyle } from './text-style';

/**
 * Slack mrkdwn as the console shows it: mentions, channels, dates and links resolved, emoji as
 * characters, emphasis styled (or dropped on a pipe), entities decoded last so escaped text
 * (`&lt;P1|P2&gt;`) reads literally and is never taken for markup.
 */

export interface RenderContext {
  style: TextStyle;
  /** A channel id as its name (ConsoleChat knows the names of the channels it made). */
  channelName: (id: string) => string;
  date: DateContext;
}

export function renderContext(partial: Partial<RenderContext> = {}): RenderContext {
  return {
    style: partial.style ?? PLAIN_STYLE,
    channelName: partial.channelName ?? ((id) => id),
    date: partial.date ?? { now: new Date() },
  };
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

export function unescapeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (entity) => ENTITIES[entity] ?? entity);
}

/** `<!date^1700000000^{date_short} {time}^https://link|fallback>` */
function renderDate(target: string, fallback: string, ctx: RenderContext): string {
  const [, seconds = '', format = ''] = target.split('^');
  const formatted = /^\d+$/.test(seconds)
    ? formatSlackDate(Number(seconds), format, ctx.date)
    : undefined;
  return formatted ?? fallback;
}

/** One `<…>` token: user/channel mentions, special mentions, dates and links. */
function renderAngle(inner: string, ctx: RenderContext): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? '' : unescapeEntities(inner.slice(bar + 1));
  if (target.startsWith('@')) return `@${label.replace(/^@/, '') || target.slice(1)}`;
  if (target.startsWith('#')) return `#${label || ctx.channelName(target.slice(1))}`;
  if (target.startsWith('!subteam^')) return label || `@${target.slice('!subteam^'.length)}`;
  if (target.startsWith('!date^')) return renderDate(target, label, ctx);
  if (target.startsWith('!')) return `@${target.slice(1)}`;
  const url = unescapeEntities(target);
  const bare = url.replace(/^mailto:/, '');
  if (!label || label === url || label === bare) return bare;
  return `${renderEmoji(label)} (${url})`;
}

// A marker opens after a non-alphanumeric (or the start), closes before one, and hugs its text:
// `*bold*` but not `2*3*4`, `snake_case_name` or `a * b * c` — as Slack reads them.
const EMPHASIS = /(?<![\p{L}\p{N}])([*_~])(?!\s)((?:(?!\1)[^\n])+?)(?<!\s)\1(?![\p{L}\p{N}])/gu;

function emphasize(text: string, style: TextStyle): string {
  return text.replace(EMPHASIS, (_whole, mark: string, inner: string) => {
    const content = emphasize(inner, style);
    return mark === '*'
      ? style.bold(content)
      : mark === '_'
        ? style.italic(content)
        : style.strike(content);
  });
}

// Rendered pieces wait in private-use characters so emphasis and entity decoding skip them.
const PLACEHOLDER_BASE = 0xe000;
const PRIVATE_USE = /[\ue000-\uf8ff]/g;

class Held {
  private readonly pieces: string[] = [];

  hold(rendered: string): string {
    this.pieces.push(rendered);
    return String.fromCharCode(PLACEHOLDER_BASE + this.pieces.length - 1);
  }

  restore(text: string): string {
    return text.replace(PRIVATE_USE, (c) => this.pieces[c.charCodeAt(0) - PLACEHOLDER_BASE] ?? '');
  }
}

// Slack reads `<…>` tokens before any formatting, inside code too: so does the console.
function holdAngles(text: string, held: Held, ctx: RenderContext): string {
  return text
    .replace(PRIVATE_USE, '')
    .replace(/<([^<>\n]*)>/g, (_m, inner: string) => held.hold(renderAngle(inner, ctx)));
}

/** One line of mrkdwn outside code blocks. */
export function renderInline(line: string, ctx: RenderContext): string {
  const held = new Held();
  let text = holdAngles(line, held, ctx);
  text = text.replace(/`([^`\n]+)`/g, (_m, code: string) =>
    held.hold(ctx.style.code(held.restore(unescapeEntities(code)))),
  );
  return held.restore(unescapeEntities(emphasize(renderEmoji(text), ctx.style)));
}

/** One line of a ``` block: tokens resolved, no emphasis or emoji. */
function renderPreformatted(line: string, ctx: RenderContext): string {
  const held = new Held();
  return ctx.style.preformatted(held.restore(unescapeEntities(holdAngles(line, held, ctx))));
}

// `>` (sent escaped as `&gt;`) quotes a line; `>>>` quotes the rest of the message.
const QUOTE = /^(?:>|&gt;)(?:>>|&gt;&gt;)?\s?/;

function renderLines(text: string, ctx: RenderContext): string[] {
  let quoteRest = false;
  return text.split('\n').map((line) => {
    const quote = QUOTE.exec(line);
    if (quote?.[0].replace(/&gt;/g, '>').startsWith('>>>')) quoteRest = true;
    const body = renderInline(quote ? line.slice(quote[0].length) : line, ctx);
    return quote || quoteRest ? ctx.style.quote(body) : body;
  });
}

/** Slack mrkdwn to console text, code blocks (```) included. */
export function mrkdwnToText(text: string, partial: Partial<RenderContext> = {}): string {
  const ctx = renderContext(partial);
  const out: string[] = [];
  let rest = text;
  for (let m = /```([\s\S]*?)```/.exec(rest); m; m = /```([\s\S]*?)```/.exec(rest)) {
    const before = rest.slice(0, m.index).replace(/\n$/, '');
    if (before) out.push(...renderLines(before, ctx));
    const code = (m[1] ?? '').replace(/^\n/, '').replace(/\n$/, '');
    out.push(...code.split('\n').map((l) => renderPreformatted(l, ctx)));
    rest = rest.slice(m.index + m[0].length).replace(/^\n/, '');
  }
  if (rest || out.length === 0) out.push(...renderLines(rest, ctx));
  return out.join('\n');
}
