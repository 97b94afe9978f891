-- tenantops schema v2: SLA clocks per affected tenant, and the events they fire.
-- Postgres is the source of truth for every timer: BullMQ jobs only say "look at incident N
-- at time T", and are rebuilt from these rows after a restart or the loss of Redis.

-- When the team became aware of a security incident (/incident security aware=...).
ALTER TABLE incidents ADD COLUMN security_aware_at timestamptz;

-- tenant_id '*' is an incident-wide clock (the post-mortem): visible to whoever sees the incident.
CREATE TABLE sla_clocks (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL CHECK (tenant_id = '*' OR tenant_id ~ '^[a-z0-9-]{2,40}$'),
  incident_id bigint NOT NULL REFERENCES incidents (id),
  kind text NOT NULL
    CHECK (kind IN ('first_response', 'update', 'security_notify', 'postmortem', 'restore_rto')),
  state text NOT NULL CHECK (state IN ('pending', 'breached', 'met', 'stopped')),
  started_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  -- Warnings/reminders before due, ascending; warnings_sent of them have fired.
  warn_times timestamptz[] NOT NULL DEFAULT '{}',
  warnings_sent integer NOT NULL DEFAULT 0,
  warned_at timestamptz,
  -- Repeat reminders every repeat_every_ms while breached; last_reminder_n of them have fired.
  repeat_every_ms bigint CHECK (repeat_every_ms > 0),
  breached_at timestamptz,
  last_reminder_n integer NOT NULL DEFAULT 0,
  met_at timestamptz,
  stopped_at timestamptz,
  -- Bumped by every reset/recompute: events of an older generation are stale.
  generation integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (incident_id, tenant_id, kind)
);
CREATE INDEX sla_clocks_active_idx ON sla_clocks (id) WHERE state IN ('pending', 'breached');

-- One row per fired warning/breach/reminder: the unique key is the "exactly once" claim, the
-- lease and posted_at make the Slack post itself once-only across workers.
CREATE TABLE sla_events (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL,
  incident_id bigint NOT NULL REFERENCES incidents (id),
  clock_id bigint NOT NULL REFERENCES sla_clocks (id),
  clock_kind text NOT NULL,
  generation integer NOT NULL,
  step text NOT NULL,
  due_at timestamptz NOT NULL,
  scheduled_at timestamptz NOT NULL,
  fired_at timestamptz NOT NULL,
  lease_token text,
  lease_until timestamptz,
  posted_at timestamptz,
  UNIQUE (clock_id, generation, step)
);
CREATE INDEX sla_events_undelivered_idx ON sla_events (incident_id) WHERE posted_at IS NULL;

ALTER TABLE sla_clocks ENABLE ROW LEVEL SECURITY;
ALTER TABLE sla_clocks FORCE ROW LEVEL SECURITY;
CREATE POLICY sla_clocks_scope ON sla_clocks USING (
  tenant_scope_allows(ARRAY[tenant_id])
  OR (tenant_id = '*' AND EXISTS (SELECT 1 FROM incidents i WHERE i.id = incident_id))
);

ALTER TABLE sla_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE sla_events FORCE ROW LEVEL SECURITY;
CREATE POLICY sla_events_scope ON sla_events USING (
  tenant_scope_allows(ARRAY[tenant_id])
  OR (tenant_id = '*' AND EXISTS (SELECT 1 FROM incidents i WHERE i.id = incident_id))
);

GRANT SELECT, INSERT, UPDATE ON sla_clocks, sla_events TO tenantops_app;
DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO tenantops_app', current_schema());
END $$;
