import { toIncident, type IncidentRow as BaseIncidentRow } from './pg-incident-store';
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

/** An incidents row with the SLA columns migration 002 adds. */
export interface IncidentRow extends BaseIncidentRow {
  security_aware_at: Date | null;
}

export function toSlaIncident(r: IncidentRow): SlaIncident {
  return { ...toIncident(r), securityAwareAt: r.security_aware_at };
}
