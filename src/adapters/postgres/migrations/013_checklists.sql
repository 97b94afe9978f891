-- Preflight and go-live checklists (/tenant preflight, /tenant golive; PRODUCT §1 seed §1 and §8):
-- each run of a checklist, its items with their state and evidence, the one Slack message that
-- shows it (edited as approvers confirm items), and the last one per tenant for /tenant status.
-- Also the rotation watch's ledger of key versions already warned about (warned once each).
-- (Numbered 013: 012 is claimed by other work.)

CREATE TABLE tenant_checklists (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  kind text NOT NULL CHECK (kind IN ('preflight', 'golive')),
  requested_by text NOT NULL,
  items jsonb NOT NULL,
  verdict text NOT NULL CHECK (verdict IN ('pass', 'fail', 'needs_confirmation')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  channel_id text,
  thread_ts text,
  message_ts text,
  version integer NOT NULL DEFAULT 1
);
CREATE INDEX tenant_checklists_tenant_idx ON tenant_checklists (tenant_id, kind, id DESC);

ALTER TABLE tenant_checklists ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_checklists FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_checklists_scope ON tenant_checklists
  USING (tenant_scope_allows(ARRAY[tenant_id]));

CREATE TABLE key_watch_notices (
  tenant_id text NOT NULL REFERENCES tenants (id),
  key_ref text NOT NULL,
  version integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('warn')),
  noticed_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, key_ref, version, kind)
);

ALTER TABLE key_watch_notices ENABLE ROW LEVEL SECURITY;
ALTER TABLE key_watch_notices FORCE ROW LEVEL SECURITY;
CREATE POLICY key_watch_notices_scope ON key_watch_notices
  USING (tenant_scope_allows(ARRAY[tenant_id]));

GRANT SELECT, INSERT, UPDATE ON tenant_checklists TO tenantops_app;
GRANT SELECT, INSERT ON key_watch_notices TO tenantops_app;
DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO tenantops_app', current_schema());
END $$;
