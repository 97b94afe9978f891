-- tenantops schema v1: tenants, incidents, affected tenants, timeline, audit log, role bindings.
-- Tenant-scoped tables force row-level security; the app reaches them as tenantops_app with
-- app.tenant_id set per transaction ('acme,globex' or '*' for platform work).

DO $$
BEGIN
  CREATE ROLE tenantops_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

DO $$
BEGIN
  EXECUTE format('GRANT tenantops_app TO %I', current_user);
EXCEPTION WHEN others THEN NULL; -- superusers need no grant
END $$;

CREATE FUNCTION tenant_scope_allows(ids text[]) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('app.tenant_id', true), '') = '*'
      OR coalesce(ids && string_to_array(nullif(current_setting('app.tenant_id', true), ''), ','), false)
$$;

CREATE TABLE tenants (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9-]{2,40}$'),
  tenant_id text GENERATED ALWAYS AS (id) STORED,
  name text NOT NULL,
  plan text NOT NULL,
  comms_channel text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE incidents (
  id bigserial PRIMARY KEY,
  tenant_ids text[] NOT NULL CHECK (cardinality(tenant_ids) > 0),
  title text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('P1', 'P2', 'P3', 'P4')),
  state text NOT NULL CHECK (state IN ('declared', 'acknowledged', 'mitigated', 'resolved')),
  security boolean NOT NULL DEFAULT false,
  channel_id text,
  thread_ts text,
  card_ts text,
  declared_by text NOT NULL,
  declared_at timestamptz NOT NULL,
  acknowledged_at timestamptz,
  mitigated_at timestamptz,
  resolved_at timestamptz,
  summary text,
  commander text,
  comms text,
  scribe text
);
CREATE INDEX incidents_channel_idx ON incidents (channel_id, thread_ts);
CREATE INDEX incidents_tenants_idx ON incidents USING gin (tenant_ids);
CREATE INDEX incidents_open_idx ON incidents (state) WHERE state <> 'resolved';

CREATE TABLE incident_tenants (
  incident_id bigint NOT NULL REFERENCES incidents (id),
  tenant_id text NOT NULL REFERENCES tenants (id),
  added_at timestamptz NOT NULL,
  added_by text NOT NULL,
  PRIMARY KEY (incident_id, tenant_id)
);
CREATE INDEX incident_tenants_tenant_idx ON incident_tenants (tenant_id);

CREATE TABLE timeline (
  id bigserial PRIMARY KEY,
  incident_id bigint NOT NULL REFERENCES incidents (id),
  tenant_ids text[] NOT NULL CHECK (cardinality(tenant_ids) > 0),
  at timestamptz NOT NULL,
  actor text,
  kind text NOT NULL,
  text text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX timeline_incident_idx ON timeline (incident_id, at, id);

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('allowed', 'denied', 'rejected')),
  tenant_ids text[] NOT NULL DEFAULT '{}',
  incident_id bigint,
  reason text
);
CREATE INDEX audit_log_at_idx ON audit_log (at);

CREATE TABLE role_bindings (
  user_id text NOT NULL,
  tenant_id text NOT NULL CHECK (tenant_id = '*' OR tenant_id ~ '^[a-z0-9-]{2,40}$'),
  role text NOT NULL CHECK (role IN ('commander', 'comms', 'responder', 'scribe', 'approver')),
  source text NOT NULL DEFAULT 'config',
  PRIMARY KEY (user_id, tenant_id, role)
);

-- Append-only: no UPDATE or DELETE, even for the owner.
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER timeline_append_only BEFORE UPDATE OR DELETE ON timeline
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenants_scope ON tenants USING (tenant_scope_allows(ARRAY[id]));

ALTER TABLE incidents ENABLE ROW LEVEL SECURITY;
ALTER TABLE incidents FORCE ROW LEVEL SECURITY;
CREATE POLICY incidents_scope ON incidents USING (tenant_scope_allows(tenant_ids));

ALTER TABLE incident_tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY incident_tenants_scope ON incident_tenants USING (tenant_scope_allows(ARRAY[tenant_id]));

ALTER TABLE timeline ENABLE ROW LEVEL SECURITY;
ALTER TABLE timeline FORCE ROW LEVEL SECURITY;
CREATE POLICY timeline_scope ON timeline USING (tenant_scope_allows(tenant_ids));

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_read ON audit_log FOR SELECT USING (tenant_scope_allows(tenant_ids));
CREATE POLICY audit_log_write ON audit_log FOR INSERT WITH CHECK (true);

ALTER TABLE role_bindings ENABLE ROW LEVEL SECURITY;
ALTER TABLE role_bindings FORCE ROW LEVEL SECURITY;
CREATE POLICY role_bindings_scope ON role_bindings
  USING (tenant_scope_allows(ARRAY[tenant_id]) OR current_setting('app.tenant_id', true) = '*');

GRANT SELECT, INSERT, UPDATE ON tenants, incidents, incident_tenants, role_bindings TO tenantops_app;
GRANT DELETE ON role_bindings TO tenantops_app;
GRANT SELECT, INSERT ON timeline, audit_log TO tenantops_app;
DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO tenantops_app', current_schema());
  EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO tenantops_app', current_schema());
END $$;
