import type { FiringChanges, IncidentEntry } from '../../ports/sla-store';

/**
 * The SLA sweep's statements: each takes a whole batch as one JSON parameter, so claiming the
 * clocks of many incidents costs a handful of statements, not a handful per clock.
 */

/** Due clocks the sweep looks at per claim, per incident it claims (see DUE_INCIDENTS_SQL). */
export const DUE_SCAN_PER_INCIDENT = 10;

/**
 * Incidents with a clock due by $1, earliest first, at most $2, locked; others' locks skipped.
 * Only the $3 earliest due clocks are looked at (in `next_at` index order), so a claim costs the
 * same whatever the backlog; `more_due` says the look stopped at that bound, so incidents beyond
 * it may be due too (an incident with a clock per tenant can fill the window on its own).
 */
export const DUE_INCIDENTS_SQL = `
  WITH due AS MATERIALIZED (
    SELECT incident_id, next_at FROM sla_clocks
    WHERE state IN ('pending', 'breached') AND next_at <= $1
    ORDER BY next_at LIMIT $3
  )
  SELECT i.*, (SELECT count(*) FROM due) >= $3 AS more_due FROM (
    SELECT incident_id, min(next_at) AS next_at FROM due GROUP BY incident_id
  ) d JOIN incidents i ON i.id = d.incident_id
  ORDER BY d.next_at, i.id LIMIT $2 FOR UPDATE OF i SKIP LOCKED`;

export const INSERT_EVENTS_SQL = `
  INSERT INTO sla_events (tenant_id, incident_id, clock_id, clock_kind, generation, step, due_at,
                          scheduled_at, fired_at)
  SELECT v."tenant", v."incident", v."clockId", v."clockKind", v."generation", v."step",
         v."dueAt", v."scheduledAt", v."firedAt"
  FROM jsonb_to_recordset($1::jsonb) AS v("tenant" text, "incident" bigint, "clockId" bigint,
       "clockKind" text, "generation" integer, "step" text, "dueAt" timestamptz,
       "scheduledAt" timestamptz, "firedAt" timestamptz)
  ON CONFLICT (clock_id, generation, step) DO NOTHING
  RETURNING clock_id, generation, step`;

export const RECORD_FIRINGS_SQL = `
  UPDATE sla_clocks c SET updated_at = now(),
    state = coalesce(v.state, c.state),
    breached_at = coalesce(v.breached_at, c.breached_at),
    warnings_sent = coalesce(v.warnings_sent, c.warnings_sent),
    warned_at = coalesce(v.warned_at, c.warned_at),
    last_reminder_n = coalesce(v.last_reminder_n, c.last_reminder_n)
  FROM jsonb_to_recordset($1::jsonb) AS v(id bigint, state text, breached_at timestamptz,
       warnings_sent integer, warned_at timestamptz, last_reminder_n integer)
  WHERE c.id = v.id
  RETURNING c.*`;

export function firingRecords(firings: readonly { id: number; changes: FiringChanges }[]) {
  return firings.map(({ id, changes: c }) => ({
    id,
    state: c.status ?? null,
    breached_at: c.breachedAt ?? null,
    warnings_sent: c.warningsSent ?? null,
    warned_at: c.warnedAt ?? null,
    last_reminder_n: c.lastReminderN ?? null,
  }));
}

/** Entries in the batch's order (ids follow it); no tenants means the incident's. */
export const APPEND_TIMELINES_SQL = `
  INSERT INTO timeline (incident_id, tenant_ids, at, actor, kind, text, data)
  SELECT v.incident, coalesce(v.tenants, i.tenant_ids), v.at, v.actor, v.kind, v.text,
         coalesce(v.data, '{}'::jsonb)
  FROM jsonb_to_recordset($1::jsonb) AS v(ord integer, incident bigint, tenants text[],
       at timestamptz, actor text, kind text, text text, data jsonb)
  JOIN incidents i ON i.id = v.incident
  ORDER BY v.ord`;

export function timelineRecords(entries: readonly IncidentEntry[]) {
  return entries.map(({ incident, entry: e }, ord) => ({
    ord,
    incident,
    tenants: e.tenants ?? null,
    at: e.at,
    actor: e.actor,
    kind: e.kind,
    text: e.text,
    data: e.data ?? {},
  }));
}
