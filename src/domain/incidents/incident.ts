import { DomainError } from '../errors';

export const SEVERITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const INCIDENT_STATES = ['declared', 'acknowledged', 'mitigated', 'resolved'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

export const INCIDENT_ROLES = ['commander', 'comms', 'scribe'] as const;
export type IncidentRole = (typeof INCIDENT_ROLES)[number];

/** An incident as the use cases see it. `number` n is shown as INC-n. */
export interface Incident {
  number: number;
  title: string;
  severity: Severity;
  state: IncidentState;
  tenants: string[];
  security: boolean;
  channelId: string | null;
  threadTs: string | null;
  cardTs: string | null;
  declaredBy: string;
  declaredAt: Date;
  acknowledgedAt: Date | null;
  mitigatedAt: Date | null;
  resolvedAt: Date | null;
  summary: string | null;
  roles: Partial<Record<IncidentRole, string>>;
}

export type TimelineKind =
  | 'declared'
  | 'acknowledged'
  | 'update'
  | 'severity_changed'
  | 'role_assigned'
  | 'tenant_added'
  | 'mitigated'
  | 'resolved'
  | 'pinned'
  | 'alert'
  | 'sla_warning'
  | 'sla_breach'
  | 'sla_reminder'
  | 'security'
  | 'notified'
  | 'runbook'
  | 'note';

export interface TimelineEntry {
  at: Date;
  actor: string | null;
  kind: TimelineKind;
  text: string;
  tenants: string[];
}

export function incidentRef(n: number): string {
  return `INC-${n}`;
}

/** Parses `INC-12` (any case) into 12; returns undefined for anything else. */
export function parseIncidentRef(text: string): number | undefined {
  const m = /^INC-(\d{1,9})$/i.exec(text.trim());
  if (!m?.[1]) return undefined;
  const n = Number(m[1]);
  return n > 0 ? n : undefined;
}

export function isSeverity(text: string): text is Severity {
  return (SEVERITIES as readonly string[]).includes(text.toUpperCase());
}

const ORDER: Record<IncidentState, number> = {
  declared: 0,
  acknowledged: 1,
  mitigated: 2,
  resolved: 3,
};

/** The state machine: states only move forward; resolved is final. */
export function assertTransition(incident: Incident, to: IncidentState): void {
  const ref = incidentRef(incident.number);
  if (incident.state === 'resolved') {
    throw new DomainError(
      'incident_resolved',
      `${ref} is resolved; declare a new incident instead.`,
    );
  }
  if (ORDER[to] <= ORDER[incident.state]) {
    throw new DomainError('invalid_transition', `${ref} is already ${incident.state}.`);
  }
}

export function assertOpen(incident: Incident): void {
  if (incident.state === 'resolved') {
    throw new DomainError(
      'incident_resolved',
      `${incidentRef(incident.number)} is resolved; declare a new incident instead.`,
    );
  }
}

/** Slack channel name for mode: channel — `inc-<n>-<slug>`, within Slack's 80 characters. */
export function incidentChannelName(n: number, title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
  return slug ? `inc-${n}-${slug}` : `inc-${n}`;
}
