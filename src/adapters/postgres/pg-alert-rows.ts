import type { AlertAction, RuleFacts } from '../../domain/alerts/alert-rules';
import type { AlertSource, AlertStatus } from '../../domain/alerts/normalized-alert';
import type { AlertGroup, GroupAlert } from '../../ports/alert-store';

export interface GroupRow {
  id: string;
  group_key: string;
  tenant_id: string | null;
  claimed_tenant: string | null;
  name: string;
  state: 'open' | 'resolved';
  action: AlertAction['kind'];
  severity: string | null;
  security: boolean;
  suggest_runbook: string | null;
  firing_count: number;
  acknowledged_count: number;
  total_count: number;
  version: number;
  incident_id: string | null;
  channel_id: string | null;
  thread_ts: string | null;
  message_ts: string | null;
  placed_at: Date | null;
}

export function toGroup(r: GroupRow): AlertGroup {
  const g: AlertGroup = {
    id: Number(r.id),
    key: r.group_key,
    name: r.name,
    state: r.state,
    action: r.action,
    security: r.security,
    firing: r.firing_count,
    acknowledged: r.acknowledged_count,
    total: r.total_count,
    version: r.version,
    placed: r.placed_at !== null,
  };
  if (r.tenant_id) g.tenantId = r.tenant_id;
  if (r.claimed_tenant) g.claimedTenant = r.claimed_tenant;
  if (r.severity) g.severity = r.severity;
  if (r.suggest_runbook) g.suggestRunbook = r.suggest_runbook;
  if (r.incident_id) g.incidentId = Number(r.incident_id);
  if (r.channel_id) g.channelId = r.channel_id;
  if (r.thread_ts) g.threadTs = r.thread_ts;
  if (r.message_ts) g.messageTs = r.message_ts;
  return g;
}

/**
 * An event as the worker applies it: what grouping and the rules need. Its summary, annotations
 * and the rest stay in Postgres (the alert upsert copies them from the event row).
 */
export interface EventRow {
  id: string;
  tenant_id: string | null;
  known: boolean;
  source: AlertSource;
  fingerprint: string;
  status: AlertStatus;
  starts_at: Date;
  name: string;
  severity_hint: string | null;
  labels: Record<string, string>;
  /** The group key of the alert as stored before this event, if any. */
  stored_key: string | null;
}

/** An event as the alert rules see it (they match on name, labels, severity and source). */
export function eventFacts(e: EventRow): RuleFacts {
  const facts: RuleFacts = { source: e.source, name: e.name, labels: e.labels };
  if (e.severity_hint) facts.severityHint = e.severity_hint;
  return facts;
}

export interface AlertRow {
  status: GroupAlert['status'];
  summary: string;
  labels: Record<string, string>;
  starts_at: Date;
  ends_at: Date | null;
  problems: string[];
}

export function toGroupAlert(r: AlertRow): GroupAlert {
  const a: GroupAlert = {
    status: r.status,
    summary: r.summary,
    labels: r.labels,
    startsAt: r.starts_at,
    problems: r.problems,
  };
  if (r.ends_at) a.endsAt = r.ends_at;
  return a;
}
