// Slack mrkdwn: `&`, `<` and `>` are control characters (`<a|b>` is a link), and Slack asks
// for exactly these three to be escaped as HTML entities in text that must read literally.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const CONTROL = /[&<>]/g;
// A Slack user id or channel id written in plain text by the core: `@U0ALICE`, `#C0INCIDENTS`.
const USER_REF = /(?<![\w@])@([UW][A-Z0-9]{2,})\b/g;
const CHANNEL_REF = /(?<![\w#&])#([CG][A-Z0-9]{2,})\b/g;

/** Text that must read literally in Slack (titles, user input, usage like `<P1|P2>`). */
export function escapeMrkdwn(text: string): string {
  return text.replace(CONTROL, (c) => ENTITIES[c] ?? c);
}

/**
 * Plain text from the core (use-case results, error messages) as mrkdwn: escaped, then the
 * `@U…` and `#C…` ids it names become real mentions and channel links.
 */
export function plainToMrkdwn(text: string): string {
  return escapeMrkdwn(text).replace(USER_REF, '<@$1>').replace(CHANNEL_REF, '<#$1>');
}

/** A user mention. */
export function mention(user: string): string {
  return `<@${user}>`;
}

/** A channel link. */
export function channelLink(channel: string): string {
  return `<#${channel}>`;
}

// What Slack puts inside `<…>` in text it sends: mentions, special mentions, dates, links.
const SLACK_TOKEN = /<([^<>]*)>/g;

function tokenToPlain(inner: string): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? '' : inner.slice(bar + 1);
  if (/^[@#][A-Z0-9]+$/.test(target)) return target;
  if (target.startsWith('!subteam^')) return label || `@${target.slice('!subteam^'.length)}`;
  if (target.startsWith('!date^')) return label;
  if (target.startsWith('!')) return `@${target.slice(1)}`;
  const url = target.replace(/^mailto:/, '');
  return label && label !== target && label !== url ? `${label} (${url})` : url;
}

/**
 * Text typed in Slack (slash-command text, a message) as the core's plain text: Slack sends
 * `&`, `<`, `>` as entities and mentions as `<@U…|name>`, so `DB &lt;prod&gt;` becomes
 * `DB <prod>` and `<@U0ALICE|alice>` becomes `@U0ALICE` (which `plainToMrkdwn` mentions again).
 * Broadcasts (`<!channel>`) become inert text: only the bot decides whom to notify.
 */
export function slackTextToPlain(text: string): string {
  return text
    .replace(SLACK_TOKEN, (_m, inner: string) => tokenToPlain(inner))
    .replace(
      /&(amp|lt|gt);/g,
      (entity) => ({ '&amp;': '&', '&lt;': '<', '&gt;': '>' })[entity] ?? entity,
    );
}
