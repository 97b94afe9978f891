import type { IncidentPost } from '../src/ports/incident-notifier';
import { formatDuration } from '../src/domain/sla/duration';
import { slackTime } from '../src/app/sla-messages';
import { escapeMrkdwn as esc, mention } from './mrkdwn';

const bold = (tenants: readonly string[]) => tenants.map((t) => `*${esc(t)}*`).join(', ');

/** One post into an incident's channel or thread; every user-written text is escaped. */
export function renderIncidentPost(ref: string, post: IncidentPost): string {
  const by = mention(post.actor);
  switch (post.kind) {
    case 'acknowledged':
      return `:eyes: ${by} acknowledged ${ref}.`;
    case 'update': {
      const scope = post.tenants ? ` (${post.tenants.map(esc).join(', ')})` : '';
      return `:loudspeaker: *Update${scope}* from ${by}: ${esc(post.text)}`;
    }
    case 'severity_changed':
      return `:rotating_light: Severity changed ${post.from} → *${post.to}* by ${by}.`;
    case 'role_assigned':
      return `:busts_in_silhouette: ${mention(post.user)} is now *${post.role}* (assigned by ${by}).`;
    case 'tenant_added':
      return `:heavy_plus_sign: Tenant *${esc(post.tenant)}* is affected too (added by ${by}).`;
    case 'mitigated':
      return `:adhesive_bandage: ${ref} mitigated by ${by}${post.note ? `: ${esc(post.note)}` : '.'}`;
    case 'resolved':
      return `:white_check_mark: ${ref} resolved by ${by}: ${esc(post.summary)}`;
    case 'security_marked':
      return `:lock: *Security incident* · ${ref} · ${by} marked it (aware since ${slackTime(post.awareAt)}). SLA: notify ${bold(post.tenants)} by ${slackTime(post.dueAt)} (${formatDuration(post.leftMs)} left); record it with \`/incident notified ${ref} &lt;tenant|all&gt;\`.`;
    case 'notified':
      return `:white_check_mark: Security notification recorded for ${bold(post.tenants)} by ${by}: the SLA clock stops.`;
  }
}
