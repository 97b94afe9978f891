import type { Queryable } from './database';
import type { TimelineKind } from '../../domain/incidents/incident';
import type { PostmortemRecord } from '../../domain/postmortems/postmortem-record';
import type { ClockKind, ClockStatus } from '../../domain/sla/sla-clock';
import { toSlaIncident, type IncidentRow } from './pg-sla-rows';

/** Reads an incident's record for its draft; row-level security leaves out what the scope can't see. */
export async function readRecord(
  c: Queryable,
  number: number,
): Promise<Omit<PostmortemRecord, 'runbookRuns'> | undefined> {
  const inc = await c.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [number]);
  const row = inc.rows[0];
  if (!row) return undefined;
  const tenants = await c.query<{ id: string; name: string; plan: string; added_at: Date }>(
    `SELECT t.id, t.name, t.plan, it.added_at FROM incident_tenants it
     JOIN tenants t ON t.id = it.tenant_id WHERE it.incident_id = $1 ORDER BY it.added_at, t.id`,
    [number],
  );
  const timeline = await c.query<{
    id: string;
    at: Date;
    actor: string | null;
    kind: TimelineKind;
    text: string;
    tenant_ids: string[];
  }>(
    'SELECT id, at, actor, kind, text, tenant_ids FROM timeline WHERE incident_id = $1 ORDER BY at, id',
    [number],
  );
  const clocks = await c.query<{
    tenant_id: string;
    kind: ClockKind;
    state: ClockStatus;
    started_at: Date;
    due_at: Date;
    breached_at: Date | null;
    met_at: Date | null;
    stopped_at: Date | null;
  }>(
    `SELECT tenant_id, kind, state, started_at, due_at, breached_at, met_at, stopped_at
     FROM sla_clocks WHERE incident_id = $1 ORDER BY id`,
    [number],
  );
  const breaches = await c.query<{
    tenant_id: string;
    clock_kind: ClockKind;
    due_at: Date;
    fired_at: Date;
  }>(
    `SELECT tenant_id, clock_kind, due_at, fired_at FROM sla_events
     WHERE incident_id = $1 AND step = 'due' ORDER BY due_at, id`,
    [number],
  );
  return {
    incident: toSlaIncident(row),
    tenants: tenants.rows.map((t) => ({
      id: t.id,
      name: t.name,
      plan: t.plan,
      addedAt: t.added_at,
    })),
    timeline: timeline.rows.map((e) => ({
      id: Number(e.id),
      at: e.at,
      actor: e.actor,
      kind: e.kind,
      text: e.text,
      tenants: e.tenant_ids,
    })),
    clocks: clocks.rows.map((k) => ({
      tenant: k.tenant_id,
      kind: k.kind,
      status: k.state,
      startedAt: k.started_at,
      dueAt: k.due_at,
      breachedAt: k.breached_at,
      metAt: k.met_at,
      stoppedAt: k.stopped_at,
    })),
    breaches: breaches.rows.map((b) => ({
      tenant: b.tenant_id,
      kind: b.clock_kind,
      dueAt: b.due_at,
      firedAt: b.fired_at,
    })),
    alerts: await readAlerts(c, number),
    messages: await readMessages(c, number),
  };
}

async function readAlerts(c: Queryable, number: number): Promise<PostmortemRecord['alerts']> {
  const { rows } = await c.query<{
    source: string;
    name: string;
    tenant_id: string | null;
    status: string;
    summary: string;
    first_at: Date;
    last_at: Date;
    deliveries: string;
  }>(
    `SELECT a.source, a.name, a.tenant_id, a.status, a.summary,
            least(a.starts_at, min(e.starts_at)) AS first_at,
            greatest(coalesce(a.ends_at, a.updated_at), max(coalesce(e.ends_at, e.received_at))) AS last_at,
            count(e.id) AS deliveries
     FROM alerts a JOIN alert_groups g ON g.id = a.group_id
     LEFT JOIN alert_events e ON e.source = a.source AND e.fingerprint = a.fingerprint
     WHERE g.incident_id = $1
     GROUP BY a.id ORDER BY first_at, a.id`,
    [number],
  );
  return rows.map((r) => ({
    source: r.source,
    name: r.name,
    tenant: r.tenant_id,
    status: r.status,
    summary: r.summary,
    firstAt: r.first_at,
    lastAt: r.last_at,
    deliveries: Number(r.deliveries),
  }));
}

async function readMessages(c: Queryable, number: number): Promise<PostmortemRecord['messages']> {
  const { rows } = await c.query<{
    id: string;
    tenant_id: string;
    kind: 'update' | 'security_notice';
    status: 'draft' | 'sent';
    created_at: Date;
    sent_at: Date | null;
    sent_by: string | null;
  }>(
    `SELECT id, tenant_id, kind, status, created_at, sent_at, sent_by FROM customer_messages
     WHERE incident_id = $1 ORDER BY created_at, id`,
    [number],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    tenant: r.tenant_id,
    kind: r.kind,
    status: r.status,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    sentBy: r.sent_by,
  }));
}
