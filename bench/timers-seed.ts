import { Client } from 'pg';

export const INCIDENTS = 2000;
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
    '    P1: { firstResponse: PT1M, updateEvery: PT1H }',
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

/**
 * 2,000 open P1 incidents of 5 tenants each, and their 10,000 first-response clocks, started
 * now and each due at a random instant of [windowStart, windowStart + 60 s) — written straight
 * to Postgres, the timers' source of truth, for the workers' reconciler to schedule.
 */
export async function seed(url: string, windowStart: number): Promise<Due[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const now = new Date();
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
      [INCIDENTS, TENANTS_PER_INCIDENT, TENANT_COUNT, now],
    );
    await c.query(`SELECT setval('incidents_id_seq', $1)`, [INCIDENTS]);
    await c.query(
      `INSERT INTO incident_tenants (incident_id, tenant_id, added_at, added_by)
       SELECT i.id, t, $1, 'U0BENCH' FROM incidents i, unnest(i.tenant_ids) t`,
      [now],
    );
    // Warnings at 80 % of each clock's window, as the clock plan would put them.
    await c.query(
      `WITH c AS (
         SELECT tenant_id, incident_id, $2::timestamptz + random() * ($3::int * interval '1 millisecond') AS due
         FROM incident_tenants)
       INSERT INTO sla_clocks (tenant_id, incident_id, kind, state, started_at, due_at, warn_times, repeat_every_ms)
       SELECT tenant_id, incident_id, 'first_response', 'pending', $1, due,
              ARRAY[$1::timestamptz + (due - $1::timestamptz) * 0.8], 3600000 FROM c`,
      [now, new Date(windowStart), WINDOW_MS],
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

/** What Postgres recorded: breach events and how many of them were posted. */
export async function recorded(
  url: string,
): Promise<{ breaches: number; posted: number; warnings: number }> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ breaches: string; posted: string; warnings: string }>(
      `SELECT count(*) FILTER (WHERE step = 'due') AS breaches,
              count(*) FILTER (WHERE step = 'due' AND posted_at IS NOT NULL) AS posted,
              count(*) FILTER (WHERE step LIKE 'warn-%') AS warnings
       FROM sla_events`,
    );
    const r = rows[0] as { breaches: string; posted: string; warnings: string };
    return { breaches: Number(r.breaches), posted: Number(r.posted), warnings: Number(r.warnings) };
  } finally {
    await c.end();
  }
}
