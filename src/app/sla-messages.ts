import type { RoleBinding } from '../domain/access/access';
import { incidentRef, type Incident } from '../domain/incidents/incident';
import { formatDuration } from '../domain/sla/duration';
import {
  stepClass,
  stepNumber,
  WHOLE_INCIDENT,
  type ClockKind,
  type SlaClock,
  type StepClass,
} from '../domain/sla/sla-clock';
import type { NewTimelineEntry } from '../ports/incident-store';
import type { SlaEvent } from '../ports/sla-store';

export const CLOCK_LABELS: Record<ClockKind, string> = {
  first_response: 'first customer response',
  update: 'customer update',
  security_notify: 'security notification',
  postmortem: 'post-mortem',
  restore_rto: 'restore (RTO 2h)',
};

/** A Slack date token: each reader sees their local time; the fallback is UTC. */
export function slackTime(date: Date): string {
  const fallback = `${date.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
  return `<!date^${Math.floor(date.getTime() / 1000)}^{date_short_pretty} {time_secs}|${fallback}>`;
}

const TIMELINE_KIND = {
  warning: 'sla_warning',
  breach: 'sla_breach',
  reminder: 'sla_reminder',
} as const;

/** The timeline entry of a firing: which clock, its due time and when it actually fired. */
export function firingEntry(
  clock: SlaClock,
  step: string,
  scheduledAt: Date,
  now: Date,
): NewTimelineEntry {
  const cls = stepClass(step);
  const who = clock.tenant === WHOLE_INCIDENT ? '' : ` for ${clock.tenant}`;
  const late = now.getTime() - clock.dueAt.getTime();
  const lateness =
    late >= 0 ? `, ${formatDuration(late)} past due` : `, ${formatDuration(-late)} before due`;
  return {
    at: now,
    actor: null,
    kind: TIMELINE_KIND[cls],
    text: `SLA ${cls}${cls === 'reminder' ? ` ${stepNumber(step)}` : ''}: ${CLOCK_LABELS[clock.kind]}${who} due ${clock.dueAt.toISOString()}, fired ${now.toISOString()}${lateness}`,
    tenants: clock.tenant === WHOLE_INCIDENT ? undefined : [clock.tenant],
    data: {
      clock: clock.id,
      generation: clock.generation,
      step,
      dueAt: clock.dueAt.toISOString(),
      scheduledAt: scheduledAt.toISOString(),
      firedAt: now.toISOString(),
    },
  };
}

/** Events announced together: same clock kind, same step, same due time. */
export interface EventGroup {
  kind: ClockKind;
  cls: StepClass;
  step: string;
  dueAt: Date;
  tenants: string[];
  events: SlaEvent[];
}

export function groupEvents(events: readonly SlaEvent[]): EventGroup[] {
  const groups = new Map<string, EventGroup>();
  for (const e of events) {
    const key = `${e.clockKind}/${e.step}/${e.dueAt.getTime()}`;
    const g = groups.get(key) ?? {
      kind: e.clockKind,
      cls: stepClass(e.step),
      step: e.step,
      dueAt: e.dueAt,
      tenants: [],
      events: [],
    };
    g.events.push(e);
    if (!g.tenants.includes(e.tenant)) g.tenants.push(e.tenant);
    groups.set(key, g);
  }
  return [...groups.values()];
}

/**
 * Who a firing is addressed to: the incident's comms (else the tenants' comms holders) for
 * customer clocks; the commander too for security and restore; the commander for post-mortems.
 */
export function recipients(
  incident: Incident,
  group: EventGroup,
  holders: readonly RoleBinding[],
): string[] {
  const of = (role: 'comms' | 'commander'): string[] => {
    const assigned = incident.roles[role];
    if (assigned) return [assigned];
    const tenants = group.tenants.includes(WHOLE_INCIDENT) ? incident.tenants : group.tenants;
    return holders
      .filter((h) => h.role === role && (h.tenant === '*' || tenants.includes(h.tenant)))
      .map((h) => h.user);
  };
  const roles: ('comms' | 'commander')[] =
    group.kind === 'postmortem'
      ? ['commander']
      : group.kind === 'first_response' || group.kind === 'update'
        ? ['comms']
        : ['commander', 'comms'];
  return [...new Set(roles.flatMap(of))];
}

function tenantList(tenants: readonly string[]): string {
  return tenants.map((t) => `*${t}*`).join(', ');
}

function addressed(users: readonly string[], group: EventGroup): string {
  if (users.length > 0) return users.map((u) => `<@${u}>`).join(' ');
  const role = group.kind === 'postmortem' ? 'commander' : 'comms';
  return `_(nobody holds the ${role} role for ${group.tenants.join(', ')}: assign one with \`/incident role ${role} @user\`)_`;
}

function howTo(ref: string, group: EventGroup): string {
  const scope =
    group.tenants.length === 1 && group.tenants[0] !== WHOLE_INCIDENT
      ? ` tenant=${group.tenants[0]}`
      : '';
  switch (group.kind) {
    case 'first_response':
    case 'update':
      return `post it with \`/incident update ${ref}${scope} <text>\``;
    case 'security_notify':
      return `record it with \`/incident notified ${ref} ${group.tenants.length === 1 ? group.tenants[0] : 'all'}\``;
    case 'postmortem':
      return `mark it done with \`/incident postmortem ${ref} done\``;
    case 'restore_rto':
      return 'check the restore run';
  }
}

/** The Slack message for a group of firings; every one says "SLA", names the tenants and who must act. */
export function slaMessage(
  incident: Incident,
  group: EventGroup,
  users: readonly string[],
  now: Date,
): string {
  const ref = incidentRef(incident.number);
  const what = CLOCK_LABELS[group.kind];
  const whose = group.tenants.includes(WHOLE_INCIDENT) ? '' : ` for ${tenantList(group.tenants)}`;
  const due = slackTime(group.dueAt);
  const to = addressed(users, group);
  const left = formatDuration(group.dueAt.getTime() - now.getTime());
  const ago = formatDuration(now.getTime() - group.dueAt.getTime());
  switch (group.cls) {
    case 'warning':
      return `:hourglass_flowing_sand: *SLA warning* · ${ref} · the ${what}${whose} is due ${due} (in ${left}). ${to}: ${howTo(ref, group)}.`;
    case 'breach':
      return `:rotating_light: *SLA breach* · ${ref} · the ${what}${whose} was due ${due} and is not done. ${to}: ${howTo(ref, group)}.`;
    case 'reminder':
      return `:rotating_light: *SLA still breached* (reminder ${stepNumber(group.step)}) · ${ref} · the ${what}${whose} was due ${due}, ${ago} ago. ${to}: ${howTo(ref, group)}.`;
  }
}
