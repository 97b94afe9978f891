-- tenantops schema v7: post-mortem drafts (versions that never overwrite people's edits) and
-- customer messages (per-tenant update and security-notice drafts, approved by comms).

-- A full draft names every affected tenant: only a scope that covers all of them may read it.
CREATE FUNCTION tenant_scope_covers(ids text[]) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('app.tenant_id', true), '') = '*'
      OR coalesce(ids <@ string_to_array(nullif(current_setting('app.tenant_id', true), ''), ','), false)
$$;

-- One row per incident with a draft: the people's sections as they stand, and completion.
CREATE TABLE postmortems (
  incident_id bigint PRIMARY KEY REFERENCES incidents (id),
  tenant_ids text[] NOT NULL CHECK (cardinality(tenant_ids) > 0),
  latest_version integer NOT NULL DEFAULT 0,
  -- root_cause, contributing_factors, went_well, action_items: Markdown written by people.
  people jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- The version whose edit set `people` (0: nobody has written anything yet).
  people_version integer NOT NULL DEFAULT 0,
  people_by text,
  done_at timestamptz,
  done_by text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every version ever made, never updated: generated from the record, uploaded, or edited in Slack.
CREATE TABLE postmortem_versions (
  id bigserial PRIMARY KEY,
  incident_id bigint NOT NULL REFERENCES postmortems (incident_id),
  tenant_ids text[] NOT NULL CHECK (cardinality(tenant_ids) > 0),
  version integer NOT NULL,
  source text NOT NULL CHECK (source IN ('generated', 'uploaded', 'edited')),
  interim boolean NOT NULL,
  created_at timestamptz NOT NULL,
  created_by text,
  -- What the facts looked like: a digest to tell "nothing new" and a summary to list what is.
  facts_digest text NOT NULL,
  facts_summary jsonb NOT NULL,
  template_digest text NOT NULL,
  people jsonb NOT NULL,
  markdown text NOT NULL,
  UNIQUE (incident_id, version)
);
CREATE TRIGGER postmortem_versions_append_only BEFORE UPDATE OR DELETE ON postmortem_versions
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Customer-facing drafts, one tenant each; status draft -> sent (approved by comms).
CREATE TABLE customer_messages (
  id bigserial PRIMARY KEY,
  incident_id bigint NOT NULL REFERENCES incidents (id),
  tenant_id text NOT NULL REFERENCES tenants (id),
  kind text NOT NULL CHECK (kind IN ('update', 'security_notice')),
  status text NOT NULL CHECK (status IN ('draft', 'sent')),
  text text NOT NULL,
  created_at timestamptz NOT NULL,
  created_by text,
  channel_id text NOT NULL,
  message_ts text,
  edited_at timestamptz,
  edited_by text,
  sent_at timestamptz,
  sent_by text
);
CREATE INDEX customer_messages_incident_idx ON customer_messages (incident_id, tenant_id);
-- One security notice per tenant and incident.
CREATE UNIQUE INDEX customer_messages_security_once ON customer_messages (incident_id, tenant_id)
  WHERE kind = 'security_notice';

ALTER TABLE postmortems ENABLE ROW LEVEL SECURITY;
ALTER TABLE postmortems FORCE ROW LEVEL SECURITY;
CREATE POLICY postmortems_scope ON postmortems USING (tenant_scope_allows(tenant_ids));

ALTER TABLE postmortem_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE postmortem_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY postmortem_versions_scope ON postmortem_versions USING (tenant_scope_covers(tenant_ids));

ALTER TABLE customer_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE customer_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY customer_messages_scope ON customer_messages
  USING (tenant_scope_allows(ARRAY[tenant_id]));

GRANT SELECT, INSERT, UPDATE ON postmortems, customer_messages TO tenantops_app;
GRANT SELECT, INSERT ON postmortem_versions TO tenantops_app;
DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO tenantops_app', current_schema());
END $$;
