-- (tenant_scope_covers is also made by 007; the same definition.)
-- Tenant isolation in the database for writes (README "Access"): a transaction may read a row
-- that concerns any tenant of its scope, but may only write a row all of whose tenants are in
-- its scope. A person with a role on globex alone can read a shared acme+globex incident, but
-- cannot change it, nor add a timeline entry that acme would see.

CREATE OR REPLACE FUNCTION tenant_scope_covers(ids text[]) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('app.tenant_id', true), '') = '*'
      OR coalesce(ids <@ string_to_array(nullif(current_setting('app.tenant_id', true), ''), ','), false)
$$;

DROP POLICY incidents_scope ON incidents;
CREATE POLICY incidents_read ON incidents FOR SELECT USING (tenant_scope_allows(tenant_ids));
CREATE POLICY incidents_insert ON incidents FOR INSERT WITH CHECK (tenant_scope_covers(tenant_ids));
-- USING lets a row be locked (SELECT … FOR UPDATE) by any scope that sees it; WITH CHECK keeps
-- the written row to scopes that cover all its tenants.
CREATE POLICY incidents_update ON incidents FOR UPDATE
  USING (tenant_scope_allows(tenant_ids)) WITH CHECK (tenant_scope_covers(tenant_ids));

DROP POLICY timeline_scope ON timeline;
CREATE POLICY timeline_read ON timeline FOR SELECT USING (tenant_scope_allows(tenant_ids));
CREATE POLICY timeline_insert ON timeline FOR INSERT WITH CHECK (tenant_scope_covers(tenant_ids));
