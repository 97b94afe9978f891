import { Client } from 'pg';

/** BENCH_CLOCKS: how many clocks the storm has (10,000 by default), 5 tenants per incident. */
export const CLOCKS = Number(process.env.BENCH_CLOCKS ?? 10_000);
export const TENANTS_PER_INCIDENT = 5;
export const TENANT_COUNT = 50;
export const WINDOW_MS = 60_000;

const pad = (n: number) => String(n).padStart(2, '0');
export const tenantId = (i: number) => `t${pad(i)}`;
/** The incident's channel id (the emulator creates it on first use). */
export const channelOf = (incident: number) => `CB${String(incident).padStart(5, '0')}`;

/** 50 tenants, each with its own comms holder; P1 repeats hourly so the window sees none. */
export function benchConfig(): string {
  const ids = Array.from({ length: TENANT_COUNT }, (_, i) => tenantId(i + 1));
  return [
    'tenants:',
    ...ids.map((id) => `  - { id: ${id}, name: Tenant ${id}, plan: default }`),
    'slaPolicies:',
    '  default:',
    '    P1: { firstResponse: PT30M, updateEvery: PT1H }',
    'incidents: { mode: channel }',
    'incidentChannel: C0INCIDENTS',
    'roles:',
    ...ids.map((id) => `  - { user: U0C${id.toUpperCase()}, tenant: ${id}, role: comms }`),
    '',
  ].join('\n');
}

export interface Due {
  incident: number;
  tenant: string;
  dueAt: number;
}

export interface Shape {
  incidents: number;
  tenantsPerIncident: number;
}

/** The storm: CLOCKS clocks, 5 tenants per incident. */
export const STORM: Shape = {
  incidents: Math.ceil(CLOCKS / TENANTS_PER_INCIDENT),
  tenantsPerIncident: TENANTS_PER_INCIDENT,
};

/**
 * Open P1 incidents (2,000 of 5 tenants each by default), and their first-response clocks
 * (PT30M), each due at a random instant of [windowStart, windowStart + 60 s) — written straight
 * to Postgres, the timers' source of truth, for the workers' reconciler to schedule.
 */
export async function seed(url: string, windowStart: number, shape = STORM): Promise<Due[]> {
  const { incidents, tenantsPerIncident } = shape;
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const now = new Date(windowStart - 31 * 60_000);
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO tenants (id, name, plan) SELECT 't' || lpad(n::text, 2, '0'), 'Tenant ' || n, 'default'
       FROM generate_series(1, $1::int) n ON CONFLICT (id) DO NOTHING`,
      [TENANT_COUNT],
    );
    await c.query(
      `INSERT INTO incidents (id, tenant_ids, title, severity, state, channel_id, declared_by, declared_at)
       SELECT i, ARRAY(SELECT 't' || lpad((((i * $2 + k) % $3) + 1)::text, 2, '0') FROM generate_series(0, $2 - 1) k),
              'Bench incident ' || i, 'P1', 'declared', 'CB' || lpad(i::text, 5, '0'), 'U0BENCH', $4
       FROM generate_series(1, $1::int) i`,
      [incidents, tenantsPerIncident, TENANT_COUNT, now],
    );
    await c.query(`SELECT setval('incidents_id_seq', $1)`, [incidents]);
    await c.query(
      `INSERT INTO incident_tenants (incident_id, tenant_id, added_at, added_by)
       SELECT i.id, t, $1, 'U0BENCH' FROM incidents i, unnest(i.tenant_ids) t`,
      [now],
    );
    // Realistic PT30M clocks (2,000 incidents declared within the same minute, 30 min ago):
    // their warnings went out 5 min before due, so the window holds the breaches.
    await c.query(
      `WITH c AS (
         SELECT tenant_id, incident_id, $1::timestamptz + random() * ($2::int * interval '1 millisecond') AS due
         FROM incident_tenants)
       INSERT INTO sla_clocks (tenant_id, incident_id, kind, state, started_at, due_at, warn_times,
                               warnings_sent, warned_at, repeat_every_ms)
       SELECT tenant_id, incident_id, 'first_response', 'pending', due - interval '30 minutes', due,
              ARRAY[due - interval '5 minutes'], 1, due - interval '5 minutes', 3600000 FROM c`,
      [new Date(windowStart), WINDOW_MS],
    );
    await c.query('COMMIT');
    const { rows } = await c.query<{ incident_id: string; tenant_id: string; due_at: Date }>(
      'SELECT incident_id, tenant_id, due_at FROM sla_clocks',
    );
    return rows.map((r) => ({
      incident: Number(r.incident_id),
      tenant: r.tenant_id,
      dueAt: r.due_at.getTime(),
    }));
  } finally {
    await c.end();
  }
}

export interface Recorded {
  breaches: number;
  /** Epoch ms of the first and last breach claimed, and of the last one posted. */
  firstFired: number;
  lastFired: number;
  lastPosted: number;
  posted: number;
  warnings: number;
  /** Breach claimed in Postgres minus due (timer lateness), p50/p99 ms. */
  fireP50: number;
  fireP99: number;
  /** Post accepted minus claimed (the Slack delivery path), p50/p99 ms. */
  postP50: number;
  postP99: number;
}

const pct = (p: number, expr: string) =>
  `percentile_cont(${p}) WITHIN GROUP (ORDER BY extract(epoch FROM ${expr}) * 1000) FILTER (WHERE step = 'due')`;

/** What Postgres recorded: breach events, how many were posted, and where the time went. */
export async function recorded(url: string): Promise<Recorded> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<Record<keyof Recorded, string>>(
      `SELECT count(*) FILTER (WHERE step = 'due') AS breaches,
              count(*) FILTER (WHERE step = 'due' AND posted_at IS NOT NULL) AS posted,
              count(*) FILTER (WHERE step LIKE 'warn-%') AS warnings,
              extract(epoch FROM min(fired_at) FILTER (WHERE step = 'due')) * 1000 AS "firstFired",
              extract(epoch FROM max(fired_at) FILTER (WHERE step = 'due')) * 1000 AS "lastFired",
              extract(epoch FROM max(posted_at) FILTER (WHERE step = 'due')) * 1000 AS "lastPosted",
              ${pct(0.5, 'fired_at - due_at')} AS "fireP50", ${pct(0.99, 'fired_at - due_at')} AS "fireP99",
              ${pct(0.5, 'posted_at - fired_at')} AS "postP50", ${pct(0.99, 'posted_at - fired_at')} AS "postP99"
       FROM sla_events`,
    );
    const r = rows[0] as Record<keyof Recorded, string>;
    return Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, Number(v)]),
    ) as unknown as Recorded;
  } finally {
    await c.end();
  }
}
