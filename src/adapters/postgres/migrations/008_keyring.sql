-- tenantops schema v8: the local keyring, which stands in for Vault's transit engine when
-- VAULT_ADDR is unset (development only; every status it returns says `local-dev`).
-- It records each tenant's key versions and when they were created — the rotation watch and
-- /tenant status need nothing more. No key material: nothing in tenantops encrypts with these
-- keys, so there is nothing worth storing, or leaking.

CREATE TABLE local_keyring (
  tenant_id text NOT NULL REFERENCES tenants (id),
  version integer NOT NULL CHECK (version > 0),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, version)
);

ALTER TABLE local_keyring ENABLE ROW LEVEL SECURITY;
ALTER TABLE local_keyring FORCE ROW LEVEL SECURITY;
CREATE POLICY local_keyring_scope ON local_keyring USING (tenant_scope_allows(ARRAY[tenant_id]));

-- Versions are only added (create, rotate): the app role may not change or remove them.
GRANT SELECT, INSERT ON local_keyring TO tenantops_app;
