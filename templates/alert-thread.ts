import type { Block } from '../src/ports/chat';
import { hhmm } from './time-format';
import { escapeMrkdwn } from './mrkdwn';

export interface AlertThreadAlert {
  status: 'firing' | 'resolved' | 'acknowledged';
  summary: string;
  labels: Record<string, string>;
  startsAt: Date;
  endsAt?: Date;
  problems: string[];
}

/** What an alert group's thread message shows. */
export interface AlertThreadView {
  name: string;
  tenantId?: string;
  /** A tenant id from the labels that is not registered. */
  claimedTenant?: string;
  state: 'open' | 'resolved';
  firing: number;
  /** Firing but acknowledged (PagerDuty); counted apart from `firing`. */
  acknowledged: number;
  total: number;
  incident?: string;
  severity?: string;
  security: boolean;
  suggestRunbook?: string;
  alerts: AlertThreadAlert[];
}

export const MAX_ALERTS_SHOWN = 10;
// Labels every alert of a group shares say nothing about which one it is.
const HIDDEN_LABELS = new Set(['alertname', 'tenant_id', 'tenant', 'severity']);
const ICON = {
  firing: ':red_circle:',
  acknowledged: ':large_orange_circle:',
  resolved: ':white_check_mark:',
} as const;

// Alert text is input from monitoring: `<a|b>` is a link and `<!here>` a ping, so it is escaped.
const esc = escapeMrkdwn;

function who(view: AlertThreadView): string {
  if (view.tenantId) return `tenant *${esc(view.tenantId)}*`;
  if (view.claimedTenant) return `unknown tenant \`${esc(view.claimedTenant)}\``;
  return 'platform';
}

function counts(view: AlertThreadView): string {
  const { firing, acknowledged, total } = view;
  if (view.state === 'resolved') return `resolved (all ${total} alert${total === 1 ? '' : 's'})`;
  if (acknowledged === 0) return `${firing} of ${total} firing`;
  if (firing === 0) return `${acknowledged} of ${total} acknowledged`;
  return `${firing} firing, ${acknowledged} acknowledged of ${total}`;
}

function headline(view: AlertThreadView): string {
  const icon =
    view.state === 'resolved'
      ? ICON.resolved
      : view.firing === 0 && view.acknowledged > 0
        ? ICON.acknowledged
        : ICON.firing;
  const incident = view.incident
    ? ` · ${view.incident}${view.severity ? ` ${view.severity}` : ''}`
    : '';
  return `${icon} *${esc(view.name)}* · ${who(view)} · ${counts(view)}${incident}`;
}

function alertLine(a: AlertThreadAlert): string {
  const labels = Object.entries(a.labels)
    .filter(([k]) => !HIDDEN_LABELS.has(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const since = `since ${hhmm(a.startsAt)}`;
  const when =
    a.status === 'resolved' && a.endsAt
      ? `resolved ${hhmm(a.endsAt)}`
      : a.status === 'acknowledged'
        ? `acknowledged, ${since}`
        : since;
  return `${ICON[a.status]} ${esc(a.summary)}${labels ? ` (${esc(labels)})` : ''} · ${when}`;
}

function notes(view: AlertThreadView): string[] {
  const out: string[] = [];
  if (view.claimedTenant) {
    out.push(
      `:question: \`${view.claimedTenant}\` is not a registered tenant: kept as a platform alert. Register it (\`/tenant\`) or fix the alert's \`tenant_id\` label.`,
    );
  }
  if (view.security) out.push(':lock: Security incident: keep tenant data out of this channel.');
  if (view.suggestRunbook && view.tenantId) {
    out.push(
      `:books: Suggested runbook: \`/runbook run ${esc(view.suggestRunbook)} ${esc(view.tenantId)}\``,
    );
  }
  const problems = [...new Set(view.alerts.flatMap((a) => a.problems))];
  if (problems.length > 0) out.push(`:warning: ${esc(problems.slice(0, 3).join('; '))}`);
  return out;
}

/** The thread message of an alert group: what fires, for whom, and what to do. */
export function renderAlertThread(view: AlertThreadView): { text: string; blocks: Block[] } {
  const head = headline(view);
  const shown = view.alerts.slice(0, MAX_ALERTS_SHOWN).map(alertLine);
  const more = view.total > shown.length ? [`_…and ${view.total - shown.length} more_`] : [];
  // Cut under Slack's 3000-character section limit, never inside an escaped entity.
  const body = [...shown, ...more]
    .join('\n')
    .slice(0, 2900)
    .replace(/&[a-z]{0,3}$/, '');
  const extra = notes(view);
  const blocks: Block[] = [
    { type: 'section', text: { type: 'mrkdwn', text: head } },
    ...(body ? [{ type: 'section', text: { type: 'mrkdwn', text: body } }] : []),
    ...(extra.length > 0
      ? [
          {
            type: 'context',
            elements: extra.map((t) => ({ type: 'mrkdwn', text: t.slice(0, 2900) })),
          },
        ]
      : []),
  ];
  return { text: [head, ...extra].join('\n'), blocks };
}

/** The thread reply when a group's last alert resolves. */
export function renderResolvedNotice(view: {
  name: string;
  total: number;
  incident?: string;
}): string {
  const alerts = `${view.total} alert${view.total === 1 ? '' : 's'}`;
  const where = view.incident ? ` (${view.incident})` : '';
  return `:white_check_mark: All ${alerts} of *${esc(view.name)}* resolved.${where}`;
}
