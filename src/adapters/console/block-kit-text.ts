/**
 * Renders Slack Block Kit and mrkdwn as plain terminal text for the console adapter.
 * Pure: no I/O, no Slack SDK; unknown block types render as nothing rather than throwing.
 */

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

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

function unescape(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (entity) => ENTITIES[entity] ?? entity);
}

/** One `<...>` token: user/channel mentions, special mentions, dates and links. */
function renderAngle(inner: string): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? '' : unescape(inner.slice(bar + 1));
  if (target.startsWith('@')) return `@${label || target.slice(1)}`;
  if (target.startsWith('#')) return `#${label || target.slice(1)}`;
  if (target.startsWith('!subteam^')) return label || `@${target.slice('!subteam^'.length)}`;
  if (target.startsWith('!date^')) return label || target;
  if (target.startsWith('!')) return `@${target.slice(1)}`;
  const url = unescape(target);
  const bare = url.replace(/^mailto:/, '');
  if (!label || label === url || label === bare) return bare;
  return `${label} (${url})`;
}

/** Slack mrkdwn to readable text: mentions and links resolved, entities unescaped. */
export function mrkdwnToText(text: string): string {
  let out = '';
  let rest = text;
  for (let match = /<([^<>]*)>/.exec(rest); match; match = /<([^<>]*)>/.exec(rest)) {
    out += unescape(rest.slice(0, match.index)) + renderAngle(match[1] ?? '');
    rest = rest.slice(match.index + match[0].length);
  }
  return out + unescape(rest);
}

/** A text object: mrkdwn is converted, plain_text is taken as is. */
function textObject(value: unknown): string {
  const text = stringAt(value, 'text') ?? '';
  return stringAt(value, 'type') === 'mrkdwn' ? mrkdwnToText(text) : text;
}

/** Interactive elements as bracketed controls, e.g. `[Acknowledge]`. */
function element(value: unknown): string {
  if (!isObject(value)) return '';
  const label = textObject(value.text) || textObject(value.placeholder);
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
        .map((o) => `( ) ${isObject(o) ? textObject(o.text) : ''}`)
        .join('  ');
    case 'plain_text':
    case 'mrkdwn':
      return textObject(value);
    default:
      if (typeof value.type === 'string' && value.type.endsWith('_select')) return `[${label} v]`;
      return label ? `[${label}]` : '';
  }
}

const STYLE_MARKS: Array<[string, string]> = [
  ['code', '`'],
  ['bold', '*'],
  ['italic', '_'],
  ['strike', '~'],
];

/** Inline rich_text elements: styled text, links, mentions, emoji. */
function richInline(value: unknown): string {
  if (!isObject(value)) return '';
  switch (value.type) {
    case 'text': {
      let text = stringAt(value, 'text') ?? '';
      const style = isObject(value.style) ? value.style : {};
      for (const [key, mark] of STYLE_MARKS)
        if (style[key] === true) text = `${mark}${text}${mark}`;
      return text;
    }
    case 'link': {
      const url = stringAt(value, 'url') ?? '';
      const text = stringAt(value, 'text');
      return text && text !== url ? `${text} (${url})` : url;
    }
    case 'user':
      return `@${stringAt(value, 'user_id') ?? ''}`;
    case 'channel':
      return `#${stringAt(value, 'channel_id') ?? ''}`;
    case 'usergroup':
      return `@${stringAt(value, 'usergroup_id') ?? ''}`;
    case 'broadcast':
      return `@${stringAt(value, 'range') ?? 'here'}`;
    case 'emoji':
      return `:${stringAt(value, 'name') ?? ''}:`;
    case 'date':
      return (
        stringAt(value, 'fallback') ??
        (typeof value.timestamp === 'number' ? String(value.timestamp) : '')
      );
    default:
      return stringAt(value, 'text') ?? '';
  }
}

function richInlineAll(value: unknown): string {
  return isObject(value) ? list(value.elements).map(richInline).join('') : '';
}

function richText(block: Json): string[] {
  const lines: string[] = [];
  for (const part of list(block.elements)) {
    if (!isObject(part)) continue;
    switch (part.type) {
      case 'rich_text_list': {
        const indent = '  '.repeat(typeof part.indent === 'number' ? part.indent : 0);
        list(part.elements).forEach((item, i) => {
          const bullet = part.style === 'ordered' ? `${i + 1}.` : '-';
          lines.push(`${indent}${bullet} ${richInlineAll(item)}`);
        });
        break;
      }
      case 'rich_text_preformatted':
        lines.push('```', ...richInlineAll(part).split('\n'), '```');
        break;
      case 'rich_text_quote':
        lines.push(
          ...richInlineAll(part)
            .split('\n')
            .map((l) => `> ${l}`),
        );
        break;
      default:
        lines.push(...richInlineAll(part).split('\n'));
    }
  }
  return lines;
}

function section(block: Json): string[] {
  const lines: string[] = [];
  const text = textObject(block.text);
  const accessory = element(block.accessory);
  if (text) lines.push(...text.split('\n'));
  // Fields usually read "*Label*\nvalue"; one line each keeps them scannable.
  for (const field of list(block.fields)) lines.push(textObject(field).replace(/\n+/g, ' '));
  if (accessory) {
    if (lines.length === 0) lines.push(accessory);
    else lines[0] = `${lines[0] ?? ''}  ${accessory}`;
  }
  return lines;
}

function renderBlock(block: unknown): string[] {
  if (!isObject(block)) return [];
  switch (block.type) {
    case 'header': {
      const title = textObject(block.text);
      return [title, '='.repeat(Math.max(title.length, 3))];
    }
    case 'section':
      return section(block);
    case 'context':
      return [list(block.elements).map(element).filter(Boolean).join('  ')];
    case 'divider':
      return [DIVIDER];
    case 'actions':
      return [list(block.elements).map(element).filter(Boolean).join(' ')];
    case 'rich_text':
      return richText(block);
    case 'image': {
      const title = textObject(block.title);
      return [`[image: ${stringAt(block, 'alt_text') ?? title}]`];
    }
    case 'input': {
      const control = element(block.element) || '[ ]';
      return [`${textObject(block.label)}: ${control}`];
    }
    case 'markdown':
      return (stringAt(block, 'text') ?? '').split('\n');
    default:
      return [];
  }
}

/** Terminal rendering of a message: its blocks, or the fallback text when there are none. */
export function blockKitToText(blocks: unknown[] | undefined, fallbackText?: string): string {
  const rendered = (blocks ?? []).flatMap(renderBlock);
  const lines = rendered.length > 0 ? rendered : mrkdwnToText(fallbackText ?? '').split('\n');
  return lines
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
}
