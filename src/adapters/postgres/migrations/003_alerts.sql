-- tenantops schema v3: alerts in (received payloads, alert events, alerts, alert groups and
-- their threads, unknown tenants) and Slack delivery out (per-channel lanes, failed calls).
-- Tenant-scoped tables force row-level security on tenant_id; NULL tenant_id is a platform row,
-- which tenant_scope_allows() shows to the '*' scope only. Platform-only tables admit '*' only.

CREATE FUNCTION platform_scope() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('app.tenant_id', true), '') = '*'
$$;

-- Every accepted webhook body, as received (json keeps its text; PagerDuty routing keys redacted).
CREATE TABLE alert_payloads (
  id bigserial PRIMARY KEY,
  source text NOT NULL CHECK (source IN ('alertmanager', 'grafana', 'datadog', 'pagerduty')),
  received_at timestamptz NOT NULL,
  raw json NOT NULL,
  -- What was wrong with an otherwise valid payload (malformed labels, truncated alerts...).
  problems text[] NOT NULL DEFAULT '{}',
  alert_count integer NOT NULL,
  new_count integer NOT NULL,
  processed_at timestamptz
);
CREATE INDEX alert_payloads_unprocessed_idx ON alert_payloads (id) WHERE processed_at IS NULL;

-- One alert state change as delivered. The unique key drops HA duplicates and retries: the
-- same alert (source + fingerprint) in the same status of the same firing cycle (starts_at).
CREATE TABLE alert_events (
  id bigserial PRIMARY KEY,
  payload_id bigint NOT NULL REFERENCES alert_payloads (id),
  tenant_id text CHECK (tenant_id ~ '^[a-z0-9-]{2,40}$'),
  source text NOT NULL,
  fingerprint text NOT NULL,
  status text NOT NULL CHECK (status IN ('firing', 'resolved', 'acknowledged')),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz,
  name text NOT NULL,
  summary text NOT NULL,
  severity_hint text,
  labels jsonb NOT NULL,
  annotations jsonb NOT NULL,
  problems text[] NOT NULL DEFAULT '{}',
  received_at timestamptz NOT NULL,
  processed_at timestamptz,
  UNIQUE (source, fingerprint, status, starts_at)
);
CREATE INDEX alert_events_payload_idx ON alert_events (payload_id) WHERE processed_at IS NULL;

-- One tenant problem (tenant + alertname) while it lasts: its alerts share one Slack thread.
-- tenant_id NULL: a platform group (no tenant label, or claimed_tenant is not registered).
CREATE TABLE alert_groups (
  id bigserial PRIMARY KEY,
  group_key text NOT NULL,
  tenant_id text REFERENCES tenants (id),
  claimed_tenant text,
  name text NOT NULL,
  state text NOT NULL CHECK (state IN ('open', 'resolved')),
  action text NOT NULL CHECK (action IN ('declare', 'thread', 'ignore')),
  severity text CHECK (severity IN ('P1', 'P2', 'P3', 'P4')),
  security boolean NOT NULL DEFAULT false,
  suggest_runbook text,
  firing_count integer NOT NULL DEFAULT 0,
  total_count integer NOT NULL DEFAULT 0,
  -- Bumped by every change; the thread message renders the latest version when it is sent.
  version integer NOT NULL DEFAULT 1,
  incident_id bigint REFERENCES incidents (id),
  channel_id text,
  thread_ts text,
  message_ts text,
  placed_at timestamptz,
  resolve_noticed_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  resolved_at timestamptz
);
CREATE UNIQUE INDEX alert_groups_open_key ON alert_groups (group_key) WHERE state = 'open';
CREATE INDEX alert_groups_tenant_idx ON alert_groups (tenant_id, state);

-- The current state of each alert (source + fingerprint), in the group of its current cycle.
CREATE TABLE alerts (
  id bigserial PRIMARY KEY,
  source text NOT NULL,
  fingerprint text NOT NULL,
  tenant_id text,
  claimed_tenant text,
  group_id bigint REFERENCES alert_groups (id),
  group_key text NOT NULL,
  name text NOT NULL,
  status text NOT NULL CHECK (status IN ('firing', 'resolved', 'acknowledged')),
  summary text NOT NULL,
  severity_hint text,
  labels jsonb NOT NULL,
  annotations jsonb NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz,
  last_event_id bigint NOT NULL REFERENCES alert_events (id),
  updated_at timestamptz NOT NULL,
  UNIQUE (source, fingerprint)
);
CREATE INDEX alerts_group_idx ON alerts (group_id, status);

-- Tenant ids seen in alert labels that are not in the registry: kept, surfaced, never dropped.
CREATE TABLE alert_unknown_tenants (
  tenant_id text PRIMARY KEY,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  alert_count integer NOT NULL,
  last_alert text NOT NULL
);

-- Slack delivery: one lane per channel keeps chat.postMessage in order and under Slack's rate.
-- next_seq: last sequence number handed out; done_seq: last one sent (or given up on);
-- tat_ms: the GCRA theoretical arrival time (epoch ms) of the channel's rate limit.
CREATE TABLE slack_lanes (
  channel text PRIMARY KEY,
  next_seq bigint NOT NULL DEFAULT 0,
  done_seq bigint NOT NULL DEFAULT 0,
  tat_ms bigint NOT NULL DEFAULT 0
);

-- Slack calls that failed for good (after retries, or refused by Slack): nothing is dropped
-- silently, and /incident status shows the ones in an incident's channel.
CREATE TABLE slack_failures (
  id bigserial PRIMARY KEY,
  failed_at timestamptz NOT NULL,
  method text NOT NULL,
  channel text,
  thread_ts text,
  message_ts text,
  summary text NOT NULL,
  error text NOT NULL,
  attempts integer NOT NULL,
  job_id text
);
CREATE INDEX slack_failures_channel_idx ON slack_failures (channel, failed_at);

ALTER TABLE alert_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_events FORCE ROW LEVEL SECURITY;
CREATE POLICY alert_events_scope ON alert_events USING (tenant_scope_allows(ARRAY[tenant_id]));

ALTER TABLE alert_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_groups FORCE ROW LEVEL SECURITY;
CREATE POLICY alert_groups_scope ON alert_groups USING (tenant_scope_allows(ARRAY[tenant_id]));

ALTER TABLE alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY alerts_scope ON alerts USING (tenant_scope_allows(ARRAY[tenant_id]));

ALTER TABLE alert_payloads ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_payloads FORCE ROW LEVEL SECURITY;
CREATE POLICY alert_payloads_platform ON alert_payloads USING (platform_scope());

ALTER TABLE alert_unknown_tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_unknown_tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY alert_unknown_tenants_platform ON alert_unknown_tenants USING (platform_scope());

ALTER TABLE slack_lanes ENABLE ROW LEVEL SECURITY;
ALTER TABLE slack_lanes FORCE ROW LEVEL SECURITY;
CREATE POLICY slack_lanes_platform ON slack_lanes USING (platform_scope());

ALTER TABLE slack_failures ENABLE ROW LEVEL SECURITY;
ALTER TABLE slack_failures FORCE ROW LEVEL SECURITY;
CREATE POLICY slack_failures_platform ON slack_failures USING (platform_scope());

GRANT SELECT, INSERT, UPDATE ON alert_payloads, alert_events, alert_groups, alerts,
  alert_unknown_tenants, slack_lanes TO tenantops_app;
GRANT SELECT, INSERT ON slack_failures TO tenantops_app;
DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO tenantops_app', current_schema());
END $$;
