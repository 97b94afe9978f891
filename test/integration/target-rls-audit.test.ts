import { Client } from 'pg';
import { findingsFor, summarizeAudit } from '../../src/domain/target/rls-audit';
import {
  openTargetFixture,
  targetKinds,
  TENANTS,
  type TargetFixture,
} from '../support/target-fixture';

jest.setTimeout(120_000);

for (const k of targetKinds()) {
  (k.run ? describe : describe.skip)(`RLS and privilege audit (${k.title})`, () => {
    let f: TargetFixture;
    let ops: string;
    let reader: string;

    beforeAll(async () => {
      f = await openTargetFixture(k.kind);
      await f.target.ensureControlSchema();
      // Roles are cluster-wide on a real server: named after this file's app role.
      ops = `${f.appRole}_ops`;
      reader = `${f.appRole}_reader`;
    });

    afterAll(async () => {
      await f?.close();
      if (k.kind !== 'postgres') return;
      const c = new Client({ connectionString: process.env.TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP ROLE IF EXISTS ${ops}; DROP ROLE IF EXISTS ${reader}`);
      await c.end();
    });

    it('passes a clean schema-per-tenant target, saying what it checked', async () => {
      const report = await f.target.auditRls(TENANTS);
      expect(report.findings).toEqual([]);
      expect(report.passed).toBe(true);
      expect(report.checked).toMatchObject({ tenantSchemas: 3, tenantTables: 0, policies: 0 });
      expect(summarizeAudit(report)).toMatch(/^RLS audit passed on .*: 3 tenant schemas/);
    });

    it('finds one planted gap of each kind, naming the object and why it matters', async () => {
      const app = f.appRole;
      await f.sql(`
        CREATE SCHEMA shared;
        GRANT USAGE ON SCHEMA shared TO ${app};
        CREATE TABLE shared.invoices (id int PRIMARY KEY, tenant_id text NOT NULL, total int);
        CREATE TABLE shared.notes (id int PRIMARY KEY, tenant_id text NOT NULL);
        ALTER TABLE shared.notes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
        CREATE TABLE shared.files (id int PRIMARY KEY, tenant_id text NOT NULL);
        ALTER TABLE shared.files ENABLE ROW LEVEL SECURITY;
        CREATE POLICY files_tenant ON shared.files USING (tenant_id = current_setting('app.tenant'));
        ALTER TABLE shared.files OWNER TO ${app};
        CREATE TABLE shared.tickets (id int PRIMARY KEY, tenant_id text NOT NULL);
        ALTER TABLE shared.tickets ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
        CREATE POLICY tickets_all ON shared.tickets TO ${app} USING (true);
        CREATE TABLE shared.audit (id int PRIMARY KEY, tenant_id text NOT NULL, region text);
        ALTER TABLE shared.audit ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
        CREATE POLICY audit_region ON shared.audit USING (region = 'eu');
        CREATE TABLE shared.good (id int PRIMARY KEY, tenant_id text NOT NULL);
        ALTER TABLE shared.good ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
        CREATE POLICY good_tenant ON shared.good USING (tenant_id = current_setting('app.tenant'));
        CREATE POLICY good_open ON shared.good AS RESTRICTIVE USING (true);
        GRANT SELECT ON ALL TABLES IN SCHEMA shared TO ${app};
        CREATE VIEW shared.invoice_totals AS SELECT tenant_id, sum(total) AS total FROM shared.invoices GROUP BY 1;
        CREATE VIEW shared.good_view WITH (security_invoker = true) AS SELECT * FROM shared.good;
        CREATE FUNCTION shared.all_invoices() RETURNS SETOF shared.invoices
          LANGUAGE sql SECURITY DEFINER AS 'SELECT * FROM shared.invoices';
        CREATE ROLE ${ops} NOLOGIN BYPASSRLS;
        GRANT ${ops} TO ${app};
        CREATE ROLE ${reader} NOLOGIN;
        GRANT USAGE ON SCHEMA tenant_acme, tenant_globex TO ${reader};
        GRANT SELECT ON tenant_acme.orders, tenant_globex.customers TO ${reader};
        CREATE SCHEMA tenant_oldco;
        CREATE TABLE tenant_oldco.customers (id int PRIMARY KEY, email text);
        GRANT USAGE ON SCHEMA tenant_oldco TO ${app};
        GRANT SELECT ON tenant_oldco.customers TO ${app};
        CREATE SCHEMA tenant_acme__r7;
        COMMENT ON SCHEMA tenant_acme__r7 IS 'tenantops:acme: restore of acme-1 (2026-01-01)';
        CREATE TABLE tenant_acme__r7.orders (id int PRIMARY KEY);
        GRANT USAGE ON SCHEMA tenant_acme__r7 TO ${app};
        GRANT SELECT ON tenant_acme__r7.orders TO ${app};`);

      const report = await f.target.auditRls(TENANTS);
      const got = report.findings.map((x) => [x.kind, x.severity, x.object]);
      expect(got).toEqual([
        ['security_definer_function', 'critical', 'function shared.all_invoices()'],
        ['policy_always_true', 'critical', `policy tickets_all on shared.tickets (ALL, to ${app})`],
        ['privileged_app_role', 'critical', `role ${ops}`],
        ['rls_not_forced', 'critical', 'table shared.files'],
        ['rls_not_enabled', 'critical', 'table shared.invoices'],
        [
          'policy_not_tenant_scoped',
          'high',
          'policy audit_region on shared.audit (ALL, to PUBLIC)',
        ],
        ['cross_tenant_grant', 'high', `role ${reader}`],
        ['unrouted_schema_access', 'high', 'schema tenant_oldco'],
        ['view_without_security_invoker', 'high', 'view shared.invoice_totals'],
        ['no_policy', 'medium', 'table shared.notes'],
        ['unrouted_schema_access', 'low', 'schema tenant_acme__r7'],
      ]);
      expect(report.passed).toBe(false);
      const why = Object.fromEntries(
        report.findings.map((x) => [`${x.kind} ${x.severity}`, x.why]),
      );
      expect(why['privileged_app_role critical']).toContain(
        `${app} is a member of ${ops}, which has BYPASSRLS`,
      );
      expect(why['cross_tenant_grant high']).toContain(
        'reaches the schemas of 2 tenants (tenant_acme, tenant_globex)',
      );
      expect(why['unrouted_schema_access high']).toContain('no tenant is routed to');
      expect(why['policy_always_true critical']).toContain("see every tenant's rows");
      expect(why['security_definer_function critical']).toContain('no search_path is set');
      expect(summarizeAudit(report)).toMatch(
        /FAILED .*11 findings \(5 critical, 4 high, 1 medium, 1 low\)/,
      );

      // initech's view leaves out what concerns only acme and globex.
      const initech = findingsFor(report, 'initech').map((x) => x.object);
      expect(initech).not.toContain(`role ${reader}`);
      expect(initech).not.toContain('schema tenant_acme__r7');
      expect(initech).toContain('table shared.invoices');
    });

    it('passes again once the gaps are closed, the restored copy left as a note', async () => {
      await f.sql(`
        DROP SCHEMA shared CASCADE;
        DROP SCHEMA tenant_oldco CASCADE;
        REVOKE ${ops} FROM ${f.appRole};
        REVOKE ALL ON ALL TABLES IN SCHEMA tenant_acme FROM ${reader};
        REVOKE ALL ON ALL TABLES IN SCHEMA tenant_globex FROM ${reader};
        REVOKE USAGE ON SCHEMA tenant_acme, tenant_globex FROM ${reader};`);
      const report = await f.target.auditRls(TENANTS);
      expect(report.findings.map((x) => [x.kind, x.severity])).toEqual([
        ['unrouted_schema_access', 'low'],
      ]);
      expect(report.passed).toBe(true);
      expect(summarizeAudit(report)).toMatch(/passed with notes/);
    });
  });
}
