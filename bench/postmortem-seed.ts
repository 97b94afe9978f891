import type { Database } from '../src/adapters/postgres/database';

export const TENANTS = 50;
export const EVENTS = 20_000;
export const ALERTS = 200;

/**
 * One resolved P1 across 50 tenants with 20,000 timeline events (realistic text, some with
 * personal data to mask), SLA clocks and a breach per tenant, and 200 alerts, inserted directly.
 */
export async function seedIncident(db: Database, run: number): Promise<number> {
  return db.owner(async (c) => {
    await c.query(
      `INSERT INTO tenants (id, name, plan) SELECT 'tenant-' || i, 'Tenant ' || i || ' S.L.', 'default'
       FROM generate_series(1, $1) i ON CONFLICT DO NOTHING`,
      [TENANTS],
    );
    const tenants = Array.from({ length: TENANTS }, (_, i) => `tenant-${i + 1}`);
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO incidents (tenant_ids, title, severity, state, declared_by, declared_at, acknowledged_at,
         mitigated_at, resolved_at, summary, commander)
       VALUES ($1, $2, 'P1', 'resolved', 'U0ALICE', now() - interval '6 hours', now() - interval '5 hours 50 minutes',
         now() - interval '2 hours', now() - interval '1 hour', 'Rolled back the connection pool change', 'U0ALICE')
       RETURNING id`,
      [tenants, `Bench run ${run}: checkout errors across tenants`],
    );
    const id = Number(rows[0]?.id);
    await c.query(
      `INSERT INTO incident_tenants (incident_id, tenant_id, added_at, added_by)
       SELECT $1, t, now() - interval '6 hours', 'U0ALICE' FROM unnest($2::text[]) t`,
      [id, tenants],
    );
    await c.query(
      `INSERT INTO timeline (incident_id, tenant_ids, at, actor, kind, text)
       SELECT $1, ARRAY['tenant-' || (1 + i % $3)], now() - interval '6 hours' + (i * interval '1 second'),
         CASE WHEN i % 3 = 0 THEN NULL ELSE 'U0ALICE' END,
         CASE WHEN i % 10 = 0 THEN 'update' WHEN i % 7 = 0 THEN 'alert' ELSE 'note' END,
         CASE WHEN i % 5 = 0
           THEN 'Update: el cliente user' || i || '@example.es reporta errores 500; llamar al +34 612 345 ' || lpad((i % 1000)::text, 3, '0')
           ELSE 'Checkout p99 at ' || (i % 4000) || ' ms for tenant-' || (1 + i % $3) || ' after the pool change' END
       FROM generate_series(1, $2) i`,
      [id, EVENTS, TENANTS],
    );
    await c.query(
      `INSERT INTO sla_clocks (tenant_id, incident_id, kind, state, started_at, due_at, breached_at, met_at)
       SELECT t, $1, 'first_response', 'met', now() - interval '6 hours', now() - interval '5 hours 30 minutes',
         now() - interval '5 hours 30 minutes', now() - interval '5 hours' FROM unnest($2::text[]) t`,
      [id, tenants],
    );
    await c.query(
      `INSERT INTO sla_events (tenant_id, incident_id, clock_id, clock_kind, generation, step, due_at, scheduled_at, fired_at)
       SELECT k.tenant_id, $1, k.id, 'first_response', 1, 'due', k.due_at, k.due_at, k.due_at + interval '1 second'
       FROM sla_clocks k WHERE k.incident_id = $1`,
      [id],
    );
    await seedAlerts(c, id, run);
    return id;
  });
}

async function seedAlerts(
  c: Parameters<Parameters<Database['owner']>[0]>[0],
  id: number,
  run: number,
) {
  const { rows } = await c.query<{ id: string }>(
    `INSERT INTO alert_payloads (source, received_at, raw, alert_count, new_count, processed_at)
     VALUES ('alertmanager', now(), '{}', $1, $1, now()) RETURNING id`,
    [ALERTS],
  );
  const payload = Number(rows[0]?.id);
  await c.query(
    `INSERT INTO alert_groups (group_key, tenant_id, name, state, action, firing_count, total_count, incident_id, created_at, updated_at)
     SELECT 'bench-' || $3 || '-' || i, 'tenant-' || i, 'TenantErrorRateHigh', 'resolved', 'declare', 0, 4, $1, now(), now()
     FROM generate_series(1, $2) i`,
    [id, TENANTS, run],
  );
  await c.query(
    `INSERT INTO alert_events (payload_id, tenant_id, source, fingerprint, status, starts_at, name, summary, labels, annotations, received_at)
     SELECT $1, 'tenant-' || (1 + i % $3), 'alertmanager', 'fp-' || $4 || '-' || i, 'firing', now() - interval '6 hours',
       CASE WHEN i % 2 = 0 THEN 'TenantErrorRateHigh' ELSE 'TenantLatencyP99High' END, '5xx above 1% for 5m', '{}', '{}', now()
     FROM generate_series(1, $2) i`,
    [payload, ALERTS, TENANTS, run],
  );
  await c.query(
    `INSERT INTO alerts (source, fingerprint, tenant_id, group_id, group_key, name, status, summary, labels, annotations,
       starts_at, ends_at, last_event_id, updated_at)
     SELECT e.source, e.fingerprint, e.tenant_id, g.id, g.group_key, e.name, 'resolved', e.summary, '{}', '{}',
       e.starts_at, now() - interval '1 hour', e.id, now()
     FROM alert_events e JOIN alert_groups g ON g.tenant_id = e.tenant_id AND g.incident_id = $2
     WHERE e.payload_id = $1`,
    [payload, id],
  );
}
