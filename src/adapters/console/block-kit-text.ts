import { emojiFor, renderEmoji } from './emoji';
import { mrkdwnToText, renderContext, type RenderContext } from './mrkdwn-text';
import { formatSlackDate } from './slack-date';
import { stripAnsi } from './text-style';

/**
 * Renders Slack Block Kit and mrkdwn as terminal text for the console adapter, as a Slack
 * client shows them. Pure: no Slack SDK; unknown block types render as nothing, never throw.
 */

export { mrkdwnToText, type RenderContext } from './mrkdwn-text';

type Json = Record<string, unknown>;

const DIVIDER = '-'.repeat(40);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function stringAt(value: unknown, key: string): string | undefined {
  return isObject(value) && typeof value[key] === 'string' ? value[key] : undefined;
}

/** A text object: mrkdwn is rendered; plain_text is literal apart from emoji, as in Slack. */
function textObject(value: unknown, ctx: RenderContext): string {
  const text = stringAt(value, 'text') ?? '';
  if (stringAt(value, 'type') === 'mrkdwn') return mrkdwnToText(text, ctx);
  return isObject(value) && value.emoji === false ? text : renderEmoji(text);
}

/** Interactive elements as bracketed controls, e.g. `[Acknowledge]`. */
function element(value: unknown, ctx: RenderContext): string {
  if (!isObject(value)) return '';
  const label = textObject(value.text, ctx) || textObject(value.placeholder, ctx);
  switch (value.type) {
    case 'button':
      return `[${label}]`;
    case 'image':
      return `[image: ${stringAt(value, 'alt_text') ?? ''}]`;
    case 'overflow':
      return '[...]';
    case 'datepicker':
      return `[date: ${stringAt(value, 'initial_date') ?? label}]`;
    case 'timepicker':
      return `[time: ${stringAt(value, 'initial_time') ?? label}]`;
    case 'checkboxes':
    case 'radio_buttons':
      return list(value.options)
        .map((o) => `( ) ${isObject(o) ? textObject(o.text, ctx) : ''}`)
        .join('  ');
    case 'plain_text':
    case 'mrkdwn':
      return textObject(value, ctx);
    default:
      if (typeof value.type === 'string' && value.type.endsWith('_select')) return `[${label} v]`;
      return label ? `[${label}]` : '';
  }
}

/** Applies a rich_text element's style flags the way the console shows styles. */
function styled(text: string, style: unknown, ctx: RenderContext): string {
  if (!isObject(style)) return text;
  const s = ctx.style;
  let out = text;
  if (style.code === true) out = s.code(out);
  if (style.bold === true) out = s.bold(out);
  if (style.italic === true) out = s.italic(out);
  if (style.strike === true) out = s.strike(out);
  return out;
}

function richDate(value: Json, ctx: RenderContext): string {
  const fallback = stringAt(value, 'fallback');
  if (typeof value.timestamp !== 'number') return fallback ?? '';
  const format = stringAt(value, 'format') ?? '{date_short_pretty} {time}';
  const date = { ...ctx.date, timeZone: stringAt(value, 'timezone') ?? ctx.date.timeZone };
  return formatSlackDate(value.timestamp, format, date) ?? fallback ?? String(value.timestamp);
}

/** Inline rich_text elements: styled text, links, mentions, emoji, dates. */
function richInline(value: unknown, ctx: RenderContext): string {
  if (!isObject(value)) return '';
  switch (value.type) {
    case 'text':
      return styled(stringAt(value, 'text') ?? '', value.style, ctx);
    case 'link': {
      const url = stringAt(value, 'url') ?? '';
      const text = stringAt(value, 'text');
      return styled(text && text !== url ? `${text} (${url})` : url, value.style, ctx);
    }
    case 'user':
      return `@${stringAt(value, 'user_id') ?? ''}`;
    case 'channel':
      return `#${ctx.channelName(stringAt(value, 'channel_id') ?? '')}`;
    case 'usergroup':
      return `@${stringAt(value, 'usergroup_id') ?? ''}`;
    case 'broadcast':
      return `@${stringAt(value, 'range') ?? 'here'}`;
    case 'emoji': {
      const name = stringAt(value, 'name') ?? '';
      const unicode = stringAt(value, 'unicode');
      const fromCode = unicode
        ? String.fromCodePoint(...unicode.split('-').map((h) => parseInt(h, 16)))
        : undefined;
      return emojiFor(name) ?? fromCode ?? `:${name}:`;
    }
    case 'date':
      return richDate(value, ctx);
    default:
      return stringAt(value, 'text') ?? '';
  }
}

function richInlineAll(value: unknown, ctx: RenderContext): string {
  return isObject(value)
    ? list(value.elements)
        .map((e) => richInline(e, ctx))
        .join('')
    : '';
}

function richText(block: Json, ctx: RenderContext): string[] {
  const lines: string[] = [];
  for (const part of list(block.elements)) {
    if (!isObject(part)) continue;
    switch (part.type) {
      case 'rich_text_list': {
        const indent = '  '.repeat(typeof part.indent === 'number' ? part.indent : 0);
        list(part.elements).forEach((item, i) => {
          const bullet = part.style === 'ordered' ? `${i + 1}.` : '•';
          lines.push(`${indent}${bullet} ${richInlineAll(item, ctx)}`);
        });
        break;
      }
      case 'rich_text_preformatted':
        lines.push(
          ...richInlineAll(part, ctx)
            .split('\n')
            .map((l) => ctx.style.preformatted(l)),
        );
        break;
      case 'rich_text_quote':
        lines.push(
          ...richInlineAll(part, ctx)
            .split('\n')
            .map((l) => ctx.style.quote(l)),
        );
        break;
      default:
        lines.push(...richInlineAll(part, ctx).split('\n'));
    }
  }
  return lines;
}

function section(block: Json, ctx: RenderContext): string[] {
  const lines: string[] = [];
  const text = textObject(block.text, ctx);
  const accessory = element(block.accessory, ctx);
  if (text) lines.push(...text.split('\n'));
  // Fields usually read "*Label*\nvalue"; one line each keeps them scannable.
  for (const field of list(block.fields)) lines.push(textObject(field, ctx).replace(/\n+/g, ' '));
  if (accessory) {
    if (lines.length === 0) lines.push(accessory);
    else lines[0] = `${lines[0] ?? ''}  ${accessory}`;
  }
  return lines;
}

function renderBlock(block: unknown, ctx: RenderContext): string[] {
  if (!isObject(block)) return [];
  switch (block.type) {
    case 'header': {
      const title = textObject(block.text, ctx);
      const width = [...stripAnsi(title)].length;
      return [ctx.style.bold(title), '='.repeat(Math.max(width, 3))];
    }
    case 'section':
      return section(block, ctx);
    case 'context':
      return [
        list(block.elements)
          .map((e) => element(e, ctx))
          .filter(Boolean)
          .join('  '),
      ];
    case 'divider':
      return [DIVIDER];
    case 'actions':
      return [
        list(block.elements)
          .map((e) => element(e, ctx))
          .filter(Boolean)
          .join(' '),
      ];
    case 'rich_text':
      return richText(block, ctx);
    case 'image': {
      const title = textObject(block.title, ctx);
      return [`[image: ${stringAt(block, 'alt_text') ?? title}]`];
    }
    case 'input': {
      const control = element(block.element, ctx) || '[ ]';
      return [`${textObject(block.label, ctx)}: ${control}`];
    }
    case 'markdown':
      return (stringAt(block, 'text') ?? '').split('\n');
    default:
      return [];
  }
}

/**
 * Terminal rendering of a message: its blocks, or its mrkdwn text when there are none.
 * Without a context: no ANSI codes, channel ids as they are, dates relative to now.
 */
export function blockKitToText(
  blocks: unknown[] | undefined,
  fallbackText?: string,
  context: Partial<RenderContext> = {},
): string {
  const ctx = renderContext(context);
  const rendered = (blocks ?? []).flatMap((b) => renderBlock(b, ctx));
  const lines = rendered.length > 0 ? rendered : mrkdwnToText(fallbackText ?? '', ctx).split('\n');
  // Blank lines around the message go; a code block's leading indent stays.
  return lines
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}
