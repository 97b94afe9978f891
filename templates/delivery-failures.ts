import { escapeMrkdwn } from './mrkdwn';
import { hhmm } from './time-format';

/** The `/incident status` line for Slack messages that could not be delivered. */
export function renderDeliveryFailures(
  failures: { failedAt: Date; method: string; error: string }[],
  total: number,
): string[] {
  const last = failures[0];
  if (!last) return [];
  return [
    `:warning: *${total} Slack message${total === 1 ? '' : 's'} not delivered* here (last: \`${escapeMrkdwn(last.method)}\` at ${hhmm(last.failedAt)}: ${escapeMrkdwn(last.error)}).`,
  ];
}
