import type { IncidentState, Severity } from '../../domain/incidents/incident';
import type { ClockKind, ClockStatus, SlaClock } from '../../domain/sla/sla-clock';
import type { ClockChanges, SlaEvent, SlaIncident } from '../../ports/sla-store';

/** Row shapes of sla_clocks, sla_events and incidents, and their mapping to domain values. */

export interface ClockRow {
  id: string;
  tenant_id: string;
  incident_id: string;
  kind: ClockKind;
  state: ClockStatus;
  started_at: Date;
  due_at: Date;
  warn_times: Date[];
  warnings_sent: number;
  warned_at: Date | null;
  repeat_every_ms: string | null;
  breached_at: Date | null;
  last_reminder_n: number;
  met_at: Date | null;
  stopped_at: Date | null;
  generation: number;
}

export function toClock(r: ClockRow): SlaClock {
  return {
    id: Number(r.id),
    incident: Number(r.incident_id),
    tenant: r.tenant_id,
    kind: r.kind,
    status: r.state,
    startedAt: r.started_at,
    dueAt: r.due_at,
    warnTimes: r.warn_times,
    warningsSent: r.warnings_sent,
    warnedAt: r.warned_at,
    repeatEveryMs: r.repeat_every_ms === null ? null : Number(r.repeat_every_ms),
    breachedAt: r.breached_at,
    lastReminderN: r.last_reminder_n,
    metAt: r.met_at,
    stoppedAt: r.stopped_at,
    generation: r.generation,
  };
}

/** Clock fields a use case may change, and their columns. */
export const CLOCK_COLUMNS: Record<Exclude<keyof ClockChanges, 'bump'>, string> = {
  status: 'state',
  startedAt: 'started_at',
  dueAt: 'due_at',
  warnTimes: 'warn_times',
  warningsSent: 'warnings_sent',
  warnedAt: 'warned_at',
  repeatEveryMs: 'repeat_every_ms',
  breachedAt: 'breached_at',
  lastReminderN: 'last_reminder_n',
  metAt: 'met_at',
  stoppedAt: 'stopped_at',
};

export interface EventRow {
  id: string;
  tenant_id: string;
  incident_id: string;
  clock_id: string;
  clock_kind: ClockKind;
  generation: number;
  step: string;
  due_at: Date;
  scheduled_at: Date;
  fired_at: Date;
}

export function toEvent(r: EventRow): SlaEvent {
  return {
    id: Number(r.id),
    incident: Number(r.incident_id),
    tenant: r.tenant_id,
    clockId: Number(r.clock_id),
    clockKind: r.clock_kind,
    generation: r.generation,
    step: r.step,
    dueAt: r.due_at,
    scheduledAt: r.scheduled_at,
    firedAt: r.fired_at,
  };
}

export interface IncidentRow {
  id: string;
  tenant_ids: string[];
  title: string;
  severity: Severity;
  state: IncidentState;
  security: boolean;
  security_aware_at: Date | null;
  channel_id: string | null;
  thread_ts: string | null;
  card_ts: string | null;
  declared_by: string;
  declared_at: Date;
  acknowledged_at: Date | null;
  mitigated_at: Date | null;
  resolved_at: Date | null;
  summary: string | null;
  commander: string | null;
  comms: string | null;
  scribe: string | null;
}

export function toSlaIncident(r: IncidentRow): SlaIncident {
  const roles: SlaIncident['roles'] = {};
  if (r.commander) roles.commander = r.commander;
  if (r.comms) roles.comms = r.comms;
  if (r.scribe) roles.scribe = r.scribe;
  return {
    number: Number(r.id),
    title: r.title,
    severity: r.severity,
    state: r.state,
    tenants: r.tenant_ids,
    security: r.security,
    securityAwareAt: r.security_aware_at,
    channelId: r.channel_id,
    threadTs: r.thread_ts,
    cardTs: r.card_ts,
    declaredBy: r.declared_by,
    declaredAt: r.declared_at,
    acknowledgedAt: r.acknowledged_at,
    mitigatedAt: r.mitigated_at,
    resolvedAt: r.resolved_at,
    summary: r.summary,
    roles,
  };
}
