import type { SlaStatusView } from '../src/app/sla-status';
import { formatDuration } from '../src/domain/sla/duration';
import type { DisplayState } from '../src/domain/sla/sla-clock';
import { CLOCK_LABELS, slackTime } from '../src/app/sla-messages';
import { escapeMrkdwn } from './mrkdwn';

const STATE_TEXT: Record<DisplayState, string> = {
  on_time: ':large_green_circle: on time',
  due_soon: ':large_yellow_circle: due soon',
  breached: ':red_circle: breached',
  met: ':white_check_mark: met',
  stopped: ':black_square_for_stop: stopped',
};

/**
 * The SLA section of `/incident status`: for every affected tenant the next due time and its
 * state (on time / due soon / breached), or the last clock's outcome, or that none runs.
 */
export function renderSlaStatus(view: SlaStatusView): string[] {
  const now = view.now.getTime();
  const lines: string[] = [];
  for (const tenant of [...view.tenants, '*']) {
    const mine = view.lines.filter((l) => l.tenant === tenant);
    if (mine.length === 0 && tenant !== '*')
      lines.push(`• *${escapeMrkdwn(tenant)}* — no SLA clock (no policy for this severity)`);
    for (const { clock, state } of mine) {
      const who = tenant === '*' ? '' : `*${escapeMrkdwn(tenant)}* — `;
      const label = CLOCK_LABELS[clock.kind];
      const due = clock.dueAt.getTime();
      const when =
        state === 'met' || state === 'stopped'
          ? `was due ${slackTime(clock.dueAt)}`
          : due >= now
            ? `due ${slackTime(clock.dueAt)} (in ${formatDuration(due - now)})`
            : `was due ${slackTime(clock.dueAt)} (${formatDuration(now - due)} ago)`;
      lines.push(`• ${who}${label} ${when} · ${STATE_TEXT[state]}`);
    }
  }
  return lines.length > 0 ? [`*SLA clocks*\n${lines.join('\n')}`] : [];
}
