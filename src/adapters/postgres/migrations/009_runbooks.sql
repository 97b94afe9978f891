-- Runbook runs RB-<n> and their steps (PRODUCT.md §8). Postgres holds every run's state, so a
-- run waiting for approval, or one whose worker died mid-step, carries on after a restart.

CREATE TABLE runbook_runs (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  runbook text NOT NULL,
  params jsonb NOT NULL DEFAULT '{}'::jsonb,
  dry_run boolean NOT NULL DEFAULT false,
  destructive boolean NOT NULL,
  requested_by text NOT NULL,
  incident_id bigint REFERENCES incidents (id),
  state text NOT NULL CHECK (state IN ('running', 'waiting_approval', 'completed', 'failing',
    'failed', 'cancelling', 'cancelled', 'rolling_back', 'rolled_back')),
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  outcome text,
  context jsonb NOT NULL DEFAULT '{}'::jsonb,
  demo boolean NOT NULL DEFAULT false,
  rto_due_at timestamptz,
  channel_id text,
  thread_ts text,
  message_ts text,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX runbook_runs_tenant_idx ON runbook_runs (tenant_id, id DESC);
-- At most one destructive run acts on a tenant at a time (dry runs change nothing).
CREATE UNIQUE INDEX runbook_runs_one_destructive ON runbook_runs (tenant_id)
  WHERE destructive AND NOT dry_run
    AND state IN ('running', 'waiting_approval', 'failing', 'cancelling', 'rolling_back');
CREATE INDEX runbook_runs_active_idx ON runbook_runs (state)
  WHERE state IN ('running', 'waiting_approval', 'failing', 'cancelling', 'rolling_back');

CREATE TABLE runbook_steps (
  run_id bigint NOT NULL REFERENCES runbook_runs (id),
  idx integer NOT NULL,
  tenant_id text NOT NULL REFERENCES tenants (id),
  step text NOT NULL,
  title text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('action', 'approval', 'watch')),
  state text NOT NULL CHECK (state IN ('pending', 'running', 'waiting_approval', 'done', 'failed',
    'skipped', 'undoing', 'rolled_back')),
  attempts integer NOT NULL DEFAULT 0,
  started_at timestamptz,
  finished_at timestamptz,
  output text,
  error text,
  approved_by text,
  lease_token text,
  lease_until timestamptz,
  PRIMARY KEY (run_id, idx)
);

ALTER TABLE runbook_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE runbook_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY runbook_runs_scope ON runbook_runs USING (tenant_scope_allows(ARRAY[tenant_id]));

ALTER TABLE runbook_steps ENABLE ROW LEVEL SECURITY;
ALTER TABLE runbook_steps FORCE ROW LEVEL SECURITY;
CREATE POLICY runbook_steps_scope ON runbook_steps USING (tenant_scope_allows(ARRAY[tenant_id]));

GRANT SELECT, INSERT, UPDATE ON runbook_runs, runbook_steps TO tenantops_app;
DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO tenantops_app', current_schema());
END $$;
