import type { PoolClient } from 'pg';
import {
  alertGroupKey,
  CYCLE_START_SOURCES,
  newestPerAlert,
  resolveTenant,
  type TenantResolution,
} from '../../domain/alerts/alert-group';
import type { AlertAction } from '../../domain/alerts/alert-rules';
import type { ApplyOptions, ChangedGroup } from '../../ports/alert-store';
import { eventFacts, toGroup, type EventRow, type GroupRow } from './pg-alert-rows';

interface Keyed extends EventRow {
  tenant: TenantResolution;
  key: string;
  startsAt: Date;
}

// The payloads of a batch not applied yet, locked: a job run twice (a stall) skips them. With
// them, other payloads waiting (oldest first, up to $2 of them and about $3 bytes of alerts):
// in a storm one transaction applies what many jobs queued, and their jobs find nothing left.
const CLAIM_SQL = `
SELECT id FROM alert_payloads
WHERE processed_at IS NULL AND (id = ANY($1::bigint[]) OR id IN (
  SELECT id FROM (
    SELECT id, sum(coalesce(octet_length(pending_events), 0)) OVER (ORDER BY id) AS upto
    FROM alert_payloads WHERE processed_at IS NULL AND NOT (id = ANY($1::bigint[]))
    ORDER BY id LIMIT $2
  ) waiting WHERE upto <= $3))
ORDER BY id FOR UPDATE SKIP LOCKED`;

/**
 * At most this many waiting payloads, and about this many bytes of their alerts, join a batch.
 * A batch's new groups are placed (their threads posted) only once it commits: with 200, the
 * first batch of a storm could hold 4,000 alerts and the storm's first threads back by a second.
 */
const JOINING_PAYLOADS = 50;
const JOINING_BYTES = 1024 * 1024;

// With the key of the group each alert is in now (a resolve may name no tenant: it keeps its group).
// Only what grouping and the rules need: the upsert copies the rest from the event row.
const EVENTS_SQL = `
SELECT e.id, e.tenant_id, (t.id IS NOT NULL) AS known, e.source, e.fingerprint, e.status, e.starts_at,
  e.name, e.severity_hint, e.labels, a.group_key AS stored_key
FROM alert_events e LEFT JOIN tenants t ON t.id = e.tenant_id
  LEFT JOIN alerts a ON a.source = e.source AND a.fingerprint = e.fingerprint
WHERE e.payload_id = ANY($1::bigint[])
ORDER BY e.id`;

// The claimed payloads' alerts as events, in payload order; one already stored (same source,
// fingerprint, status and firing cycle: an HA duplicate, a retry) is dropped. Payloads stored
// before intake kept its alerts for the worker have their events already (pending_events NULL).
const PENDING_EVENTS_SQL = `
INSERT INTO alert_events (payload_id, tenant_id, source, fingerprint, status, starts_at, ends_at,
  name, summary, severity_hint, labels, annotations, problems, received_at)
SELECT p.id, e.tenant_id, p.source, e.fingerprint, e.status, e.starts_at, e.ends_at, e.name,
  e.summary, e.severity_hint, e.labels, e.annotations, e.problems, p.received_at
FROM alert_payloads p
  CROSS JOIN LATERAL jsonb_to_recordset(p.pending_events::jsonb) AS e(tenant_id text,
    fingerprint text, status text, starts_at timestamptz, ends_at timestamptz, name text,
    summary text, severity_hint text, labels jsonb, annotations jsonb, problems text[])
WHERE p.id = ANY($1::bigint[]) AND p.pending_events IS NOT NULL
ORDER BY p.id
ON CONFLICT (source, fingerprint, status, starts_at) DO NOTHING
RETURNING payload_id`;

// Applied: each payload's count of new events (kept as it was for a payload stored with its
// events), and its pending alerts dropped (they are events now).
const DONE_SQL = `
UPDATE alert_payloads p SET processed_at = $3, pending_events = NULL,
  new_count = CASE WHEN p.pending_events IS NULL THEN p.new_count ELSE v.n END
FROM unnest($1::bigint[], $2::int[]) AS v(id, n)
WHERE p.id = v.id`;

// Jobs touching the same group key run one after the other (keys locked in sorted order).
const LOCK_SQL = `
SELECT pg_advisory_xact_lock(hashtextextended('tenantops-alert-group/' || k, 0))
FROM (SELECT DISTINCT k FROM unnest($1::text[]) AS k ORDER BY k) s`;

// A thread-only group of a tenant without an open incident (or a platform group) needs no
// placement job: it is placed in the incident channel as it is created.
const CREATE_GROUPS_SQL = `
INSERT INTO alert_groups (group_key, tenant_id, claimed_tenant, name, state, action, severity, security,
  suggest_runbook, created_at, updated_at, placed_at, channel_id)
SELECT g.group_key, g.tenant_id, g.claimed_tenant, g.name, 'open', g.action, g.severity,
  coalesce(g.security, false), g.suggest_runbook, $2, $2,
  CASE WHEN d.direct THEN $2::timestamptz END, CASE WHEN d.direct THEN $3::text END
FROM jsonb_to_recordset($1::jsonb) AS g(group_key text, tenant_id text, claimed_tenant text, name text,
  action text, severity text, security boolean, suggest_runbook text)
CROSS JOIN LATERAL (SELECT $3::text IS NOT NULL AND g.action = 'thread' AND NOT EXISTS (
  SELECT 1 FROM incidents i WHERE i.tenant_ids @> ARRAY[g.tenant_id] AND i.state <> 'resolved'
) AS direct) d
ON CONFLICT (group_key) WHERE state = 'open' DO NOTHING
RETURNING id, group_key`;

const RANK = (s: string) =>
  `(CASE ${s} WHEN 'firing' THEN 0 WHEN 'acknowledged' THEN 1 ELSE 2 END)`;

// Follow-up events (a PagerDuty resolve carries only its dedup_key) keep the alert's identity and
// group; a firing event moves it to the open group of its key. Deliveries are ordered by
// state_at (older states lose) and an acknowledgement never reopens a resolved alert. The start
// of the firing cycle changes only with a source that sends it ($3) or a trigger after a resolve;
// a re-trigger of an acknowledged alert leaves it acknowledged, as PagerDuty does. The worker sends
// each alert's event id with its tenant and group; the rest is copied from the event row.
const UPSERT_ALERTS_SQL = `
INSERT INTO alerts AS a (source, fingerprint, tenant_id, claimed_tenant, group_id, group_key, name,
  status, summary, severity_hint, labels, annotations, starts_at, state_at, ends_at, last_event_id,
  updated_at)
SELECT e.source, e.fingerprint, x.tenant_id, x.claimed_tenant, x.group_id, x.group_key, e.name,
  e.status, e.summary, e.severity_hint, e.labels, e.annotations, e.starts_at, e.starts_at, e.ends_at,
  e.id, $2
FROM jsonb_to_recordset($1::jsonb) AS x(event_id bigint, tenant_id text, claimed_tenant text,
  group_id bigint, group_key text)
  JOIN alert_events e ON e.id = x.event_id
ORDER BY e.id
ON CONFLICT (source, fingerprint) DO UPDATE SET
  status = CASE WHEN EXCLUDED.status = 'firing' AND a.status = 'acknowledged' THEN a.status ELSE EXCLUDED.status END,
  starts_at = CASE WHEN EXCLUDED.source = ANY($3::text[]) OR (EXCLUDED.status = 'firing' AND a.status = 'resolved')
    THEN EXCLUDED.starts_at ELSE a.starts_at END,
  state_at = EXCLUDED.state_at, ends_at = EXCLUDED.ends_at,
  last_event_id = EXCLUDED.last_event_id, updated_at = EXCLUDED.updated_at,
  group_id = CASE WHEN EXCLUDED.status = 'firing' THEN EXCLUDED.group_id ELSE coalesce(a.group_id, EXCLUDED.group_id) END,
  tenant_id = CASE WHEN EXCLUDED.status = 'firing' THEN EXCLUDED.tenant_id ELSE a.tenant_id END,
  claimed_tenant = CASE WHEN EXCLUDED.status = 'firing' THEN EXCLUDED.claimed_tenant ELSE a.claimed_tenant END,
  group_key = CASE WHEN EXCLUDED.status = 'firing' THEN EXCLUDED.group_key ELSE a.group_key END,
  name = CASE WHEN EXCLUDED.status = 'firing' THEN EXCLUDED.name ELSE a.name END,
  summary = CASE WHEN EXCLUDED.status = 'firing' THEN EXCLUDED.summary ELSE a.summary END,
  labels = CASE WHEN EXCLUDED.status = 'firing' THEN EXCLUDED.labels ELSE a.labels END,
  annotations = CASE WHEN EXCLUDED.status = 'firing' THEN EXCLUDED.annotations ELSE a.annotations END
WHERE (EXCLUDED.state_at > a.state_at
    OR (EXCLUDED.state_at = a.state_at AND ${RANK('EXCLUDED.status')} > ${RANK('a.status')}))
  AND NOT (EXCLUDED.status = 'acknowledged' AND a.status = 'resolved')
RETURNING group_id`;

const RECOUNT_SQL = `
WITH before AS (SELECT id, state FROM alert_groups WHERE id = ANY($1::bigint[])),
counts AS (
  SELECT b.id, count(a.id) FILTER (WHERE a.status = 'firing')::int AS firing,
    count(a.id) FILTER (WHERE a.status = 'acknowledged')::int AS acked,
    count(a.id) FILTER (WHERE a.status <> 'resolved')::int AS active, count(a.id)::int AS total
  FROM before b LEFT JOIN alerts a ON a.group_id = b.id GROUP BY b.id
)
UPDATE alert_groups g SET firing_count = c.firing, acknowledged_count = c.acked,
  total_count = c.total, version = g.version + 1,
  updated_at = $2, state = CASE WHEN c.active > 0 THEN 'open' ELSE 'resolved' END,
  resolved_at = CASE WHEN c.active > 0 THEN NULL ELSE coalesce(g.resolved_at, $2) END
FROM counts c JOIN before b ON b.id = c.id
WHERE g.id = c.id
RETURNING g.*, b.state AS before_state`;

const UNKNOWN_SQL = `
INSERT INTO alert_unknown_tenants (tenant_id, first_seen, last_seen, alert_count, last_alert)
SELECT x.tenant_id, $2, $2, x.n, x.name FROM jsonb_to_recordset($1::jsonb) AS x(tenant_id text, n int, name text)
ON CONFLICT (tenant_id) DO UPDATE SET last_seen = EXCLUDED.last_seen,
  alert_count = alert_unknown_tenants.alert_count + EXCLUDED.alert_count, last_alert = EXCLUDED.last_alert`;

function keyed(e: EventRow): Keyed {
  const tenant = resolveTenant(
    e.tenant_id ?? undefined,
    new Set(e.known && e.tenant_id ? [e.tenant_id] : []),
  );
  return { ...e, tenant, key: alertGroupKey(tenant, e.name), startsAt: e.starts_at };
}

function groupSpec(e: Keyed, action: AlertAction): Record<string, unknown> {
  return {
    group_key: e.key,
    tenant_id: e.tenant.kind === 'tenant' ? e.tenant.tenantId : null,
    claimed_tenant: e.tenant.kind === 'unknown' ? e.tenant.claimedTenant : null,
    name: e.name,
    action: action.kind,
    severity: action.kind === 'declare' ? action.severity : null,
    security: action.kind === 'declare' && action.security,
    suggest_runbook: action.kind === 'declare' ? (action.suggestRunbook ?? null) : null,
  };
}

function alertSpec(e: Keyed, groupId: number | undefined): Record<string, unknown> {
  return {
    event_id: e.id,
    tenant_id: e.tenant.kind === 'tenant' ? e.tenant.tenantId : null,
    claimed_tenant: e.tenant.kind === 'unknown' ? e.tenant.claimedTenant : null,
    group_id: groupId ?? null,
    group_key: e.key,
  };
}

/** Opens groups for keys with firing alerts and none open; returns key -> open group id. */
async function openGroups(
  c: PoolClient,
  events: Keyed[],
  opts: ApplyOptions,
): Promise<{ open: Map<string, number>; created: number[] }> {
  const keys = [...new Set(events.map((e) => e.key))];
  const found = await c.query<{ id: string; group_key: string }>(
    `SELECT id, group_key FROM alert_groups WHERE group_key = ANY($1) AND state = 'open'`,
    [keys],
  );
  const open = new Map(found.rows.map((r) => [r.group_key, Number(r.id)]));
  const specs = new Map<string, Record<string, unknown>>();
  for (const e of events) {
    if (e.status !== 'firing' || open.has(e.key) || specs.has(e.key)) continue;
    specs.set(e.key, groupSpec(e, opts.decide(eventFacts(e))));
  }
  const created: number[] = [];
  if (specs.size > 0) {
    const ins = await c.query<{ id: string; group_key: string }>(CREATE_GROUPS_SQL, [
      JSON.stringify([...specs.values()]),
      opts.now,
      opts.threadsIn ?? null,
    ]);
    for (const r of ins.rows) {
      open.set(r.group_key, Number(r.id));
      created.push(Number(r.id));
    }
  }
  return { open, created };
}

/**
 * Applies the events of a batch of payloads inside the caller's transaction (in order: a later
 * delivery of the same alert wins), with other payloads waiting to be applied (see CLAIM_SQL).
 * Payloads applied already, or being applied by another transaction, are skipped.
 */
export async function applyEvents(
  c: PoolClient,
  payloadIds: number[],
  opts: ApplyOptions,
): Promise<ChangedGroup[]> {
  const claimed = (
    await c.query<{ id: string }>(CLAIM_SQL, [payloadIds, JOINING_PAYLOADS, JOINING_BYTES])
  ).rows.map((r) => Number(r.id));
  if (claimed.length === 0) return [];
  const inserted = await c.query<{ payload_id: string }>(PENDING_EVENTS_SQL, [claimed]);
  const newCount = new Map<number, number>();
  for (const r of inserted.rows)
    newCount.set(Number(r.payload_id), (newCount.get(Number(r.payload_id)) ?? 0) + 1);
  const events = newestPerAlert((await c.query<EventRow>(EVENTS_SQL, [claimed])).rows.map(keyed));
  let changed: ChangedGroup[] = [];
  if (events.length > 0) {
    const stored = events.flatMap((e) => (e.stored_key ? [e.stored_key] : []));
    await c.query(LOCK_SQL, [[...events.map((e) => e.key), ...stored]]);
    const { open, created } = await openGroups(c, events, opts);
    const specs = events.map((e) => alertSpec(e, open.get(e.key)));
    const upserted = await c.query<{ group_id: string | null }>(UPSERT_ALERTS_SQL, [
      JSON.stringify(specs),
      opts.now,
      CYCLE_START_SOURCES,
    ]);
    const touched = new Set(created);
    for (const r of upserted.rows) if (r.group_id !== null) touched.add(Number(r.group_id));
    if (touched.size > 0) {
      const recount = await c.query<GroupRow & { before_state: string }>(RECOUNT_SQL, [
        [...touched],
        opts.now,
      ]);
      changed = recount.rows.map((r) => ({
        ...toGroup(r),
        justResolved: r.before_state === 'open' && r.state === 'resolved',
        justPlaced: created.includes(Number(r.id)) && r.placed_at !== null,
      }));
    }
    await recordUnknownTenants(c, events, opts.now);
  }
  await c.query(DONE_SQL, [claimed, claimed.map((id) => newCount.get(id) ?? 0), opts.now]);
  return changed;
}

async function recordUnknownTenants(c: PoolClient, events: Keyed[], now: Date): Promise<void> {
  const seen = new Map<string, { tenant_id: string; n: number; name: string }>();
  for (const e of events) {
    if (e.tenant.kind !== 'unknown') continue;
    const entry = seen.get(e.tenant.claimedTenant) ?? {
      tenant_id: e.tenant.claimedTenant,
      n: 0,
      name: e.name,
    };
    entry.n += 1;
    entry.name = e.name;
    seen.set(e.tenant.claimedTenant, entry);
  }
  if (seen.size > 0) await c.query(UNKNOWN_SQL, [JSON.stringify([...seen.values()]), now]);
}
