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
