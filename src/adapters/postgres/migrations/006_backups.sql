-- tenantops schema v6: the backup catalog. One row per backup of a tenant's schema on the
-- target (TARGET_DATABASE_URL): kind, parent, snapshot time, the host that wrote its files,
-- where they are, and per table the row count and SHA-256 (rows in primary-key order, COPY
-- text) that a restore is validated against. Tenant-scoped: another tenant's backup is invisible.

CREATE TABLE backups (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
  tenant_id text NOT NULL REFERENCES tenants (id),
  kind text NOT NULL CHECK (kind IN ('full', 'incremental')),
  parent_id text REFERENCES backups (id),
  status text NOT NULL CHECK (status IN ('running', 'complete', 'failed')),
  source_schema text,
  schema_version integer,
  host text NOT NULL,
  storage text NOT NULL,
  snapshot_at timestamptz,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  bytes bigint NOT NULL DEFAULT 0,
  -- [{name, rows, sha256, storage: rows|changes|whole, file: {key, bytes, sha256}, upserts?, deletes?}]
  tables jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(tables) = 'array'),
  structure jsonb,
  structure_sha256 text,
  note text,
  error text,
  CHECK (kind = 'full' OR status <> 'complete' OR parent_id IS NOT NULL),
  CHECK (status <> 'complete' OR (snapshot_at IS NOT NULL AND structure IS NOT NULL))
);
CREATE INDEX backups_tenant_idx ON backups (tenant_id, snapshot_at DESC);

ALTER TABLE backups ENABLE ROW LEVEL SECURITY;
ALTER TABLE backups FORCE ROW LEVEL SECURITY;
CREATE POLICY backups_scope ON backups USING (tenant_scope_allows(ARRAY[tenant_id]));

GRANT SELECT, INSERT, UPDATE ON backups TO tenantops_app;
