import {
  auditPasses,
  findingsFor,
  sortFindings,
  summarizeAudit,
  type RlsAuditReport,
  type RlsFinding,
} from '../../src/domain/target/rls-audit';
import {
  alwaysTrue,
  auditFindings,
  mentionsTenant,
  type PolicyFact,
  type RlsFacts,
} from '../../src/domain/target/rls-rules';
import { classifySchemas } from '../../src/domain/target/schema-owners';

const facts = (over: Partial<RlsFacts>): RlsFacts => ({
  appRole: 'saas_app',
  appRoleExists: true,
  tables: [],
  policies: [],
  privileged: [],
  schemas: [],
  reach: [],
  views: [],
  definers: [],
  ...over,
});

const policy = (over: Partial<PolicyFact>): PolicyFact => ({
  schema: 'public',
  table: 't',
  name: 'p',
  permissive: true,
  command: '*',
  roles: ['PUBLIC'],
  appliesToApp: true,
  using: "tenant_id = current_setting('app.tenant')",
  withCheck: null,
  ...over,
});

const kinds = (f: RlsFinding[]) => f.map((x) => `${x.kind}:${x.severity}`);

describe('which tenant a schema belongs to', () => {
  const routing = [
    { tenant: 'acme', schema: 'tenant_acme__r3', previous: 'tenant_acme' },
    { tenant: 'globex', schema: 'tenant_globex', previous: null },
  ];
  const tenants = ['acme', 'globex', 'big-co'];
  it('reads routing rows, the pattern, tenantops marks and isolated names', () => {
    const got = classifySchemas(
      [
        { name: 'tenant_acme__r3', comment: 'tenantops:acme: restore of x' },
        { name: 'tenant_acme', comment: null },
        { name: 'tenant_globex', comment: null },
        { name: 'tenant_big_co', comment: null },
        { name: 'tenant_globex__sandbox_r9', comment: null },
        { name: 'shadow_x', comment: 'tenantops:globex: migration shadow' },
        { name: 'tenant_oldco', comment: null },
        { name: 'tenant_oldco__r1', comment: null },
        { name: 'public', comment: 'standard public schema' },
        { name: 'billing', comment: null },
      ],
      routing,
      tenants,
      'tenant_{id}',
    );
    expect(got.map((s) => [s.schema, s.role, s.tenant])).toEqual([
      ['tenant_acme__r3', 'live', 'acme'],
      ['tenant_acme', 'previous', 'acme'],
      ['tenant_globex', 'live', 'globex'],
      ['tenant_big_co', 'live', 'big-co'],
      ['tenant_globex__sandbox_r9', 'tenantops', 'globex'],
      ['shadow_x', 'tenantops', 'globex'],
      ['tenant_oldco', 'unrouted', 'oldco'],
      ['tenant_oldco__r1', 'unrouted', 'oldco'],
      ['public', 'other', undefined],
      ['billing', 'other', undefined],
    ]);
  });

  it('works with a pattern that has text after {id}', () => {
    const [s] = classifySchemas([{ name: 'saas_x_data', comment: null }], [], [], 'saas_{id}_data');
    expect(s).toEqual({ schema: 'saas_x_data', role: 'unrouted', tenant: 'x' });
  });
});

describe('policy expressions', () => {
  it.each(['true', '(true)', ' ( TRUE ) ', "'t'::boolean", '1 = 1'])('%j is always true', (e) =>
    expect(alwaysTrue(e)).toBe(true),
  );
  it.each([null, 'tenant_id = current_user', "(region = 'eu'::text)"])('%j is not', (e) =>
    expect(alwaysTrue(e)).toBe(false),
  );
  it('sees the tenant in tenant columns, tenant functions and session settings', () => {
    expect(mentionsTenant('(tenant_id = app.current_tenant())')).toBe(true);
    expect(mentionsTenant("(org = current_setting('app.org'))")).toBe(true);
    expect(mentionsTenant('(owner = CURRENT_USER)')).toBe(true);
    expect(mentionsTenant("(region = 'eu'::text)")).toBe(false);
  });
});

describe('audit rules', () => {
  it('flags permissive true policies on reads and on writes, never restrictive ones', () => {
    const got = auditFindings(
      facts({
        policies: [
          policy({ name: 'open', using: 'true' }),
          policy({
            name: 'insert',
            command: 'a',
            using: null,
            withCheck: 'true',
            appliesToApp: false,
          }),
          policy({ name: 'narrow', permissive: false, using: 'true' }),
          policy({ name: 'ok' }),
          policy({ name: 'deny', command: 'r', using: null }),
          policy({ name: 'region', command: 'r', using: "(region = 'eu')", appliesToApp: false }),
        ],
      }),
    );
    expect(got.map((f) => [f.kind, f.severity, f.object.split(' ')[1]])).toEqual([
      ['policy_always_true', 'critical', 'open'],
      ['policy_always_true', 'high', 'insert'],
      ['policy_not_tenant_scoped', 'medium', 'region'],
    ]);
    expect(got[1]!.why).toContain("write every tenant's rows");
  });

  it('rates tables by what the app role can do with them', () => {
    const t = { schema: 's', hasTenantColumn: true, policies: 1, appOwns: false, appCanRead: true };
    const got = auditFindings(
      facts({
        tables: [
          { ...t, name: 'a', rlsEnabled: false, rlsForced: false },
          { ...t, name: 'b', rlsEnabled: false, rlsForced: false, appCanRead: false },
          { ...t, name: 'c', rlsEnabled: true, rlsForced: false },
          { ...t, name: 'd', rlsEnabled: true, rlsForced: false, appOwns: true },
          { ...t, name: 'e', rlsEnabled: true, rlsForced: true, policies: 0 },
          { ...t, name: 'f', rlsEnabled: true, rlsForced: true },
          { ...t, name: 'g', rlsEnabled: false, rlsForced: false, hasTenantColumn: false },
        ],
      }),
    );
    expect(kinds(got)).toEqual([
      'rls_not_enabled:critical',
      'rls_not_enabled:high',
      'rls_not_forced:medium',
      'rls_not_forced:critical',
      'no_policy:medium',
    ]);
  });

  it('flags the app role and the roles it can become when they bypass RLS or read everything', () => {
    const got = auditFindings(
      facts({
        privileged: [
          { role: 'saas_app', superuser: true, bypassRls: false, allData: false, isAppRole: true },
          {
            role: 'pg_read_all_data',
            superuser: false,
            bypassRls: false,
            allData: true,
            isAppRole: false,
          },
        ],
      }),
    );
    expect(kinds(got)).toEqual(['privileged_app_role:critical', 'privileged_app_role:high']);
    expect(got[0]!.why).toContain('the app role saas_app is a superuser');
    expect(got[1]!.why).toContain('saas_app is a member of pg_read_all_data');
    expect(kinds(auditFindings(facts({ appRoleExists: false })))).toEqual([
      'app_role_missing:high',
    ]);
  });

  it('flags reach across tenants: PUBLIC, a role on two tenants, the app role on unrouted schemas', () => {
    const schemas = classifySchemas(
      ['tenant_acme', 'tenant_globex', 'tenant_gone', 'tenant_acme__r1'].map((name) => ({
        name,
        comment: null,
      })),
      [],
      ['acme', 'globex'],
      'tenant_{id}',
    );
    const got = auditFindings(
      facts({
        schemas,
        reach: [
          { role: 'saas_app', schema: 'tenant_acme', owns: false },
          { role: 'saas_app', schema: 'tenant_gone', owns: false },
          { role: 'saas_app', schema: 'tenant_acme__r1', owns: false },
          { role: 'PUBLIC', schema: 'tenant_globex', owns: false },
          { role: 'acme_ro', schema: 'tenant_acme', owns: false },
          { role: 'acme_ro', schema: 'tenant_acme__r1', owns: false },
          { role: 'mixed', schema: 'tenant_acme', owns: true },
          { role: 'mixed', schema: 'tenant_globex', owns: false },
          { role: 'migrator', schema: 'tenant_acme', owns: true },
          { role: 'migrator', schema: 'tenant_globex', owns: true },
        ],
      }),
    );
    expect(got.map((f) => [f.kind, f.severity, f.object, f.tenants])).toEqual([
      ['unrouted_schema_access', 'high', 'schema tenant_gone', ['gone']],
      ['unrouted_schema_access', 'low', 'schema tenant_acme__r1', ['acme']],
      ['cross_tenant_grant', 'critical', 'PUBLIC on tenant_globex', ['globex']],
      ['cross_tenant_grant', 'high', 'role mixed', ['acme', 'globex']],
    ]);
  });

  it('flags views without security_invoker and privileged SECURITY DEFINER functions', () => {
    const got = auditFindings(
      facts({
        views: [
          { schema: 's', name: 'v1', securityInvoker: false, readsTenantData: true },
          { schema: 's', name: 'v2', securityInvoker: false, readsTenantData: false },
          { schema: 's', name: 'v3', securityInvoker: true, readsTenantData: true },
        ],
        definers: [
          {
            schema: 's',
            signature: 'f()',
            owner: 'postgres',
            ownerSuperuser: true,
            ownerBypassRls: false,
            appCanExecute: true,
            searchPathSet: true,
          },
          {
            schema: 's',
            signature: 'g(integer)',
            owner: 'ops',
            ownerSuperuser: false,
            ownerBypassRls: true,
            appCanExecute: false,
            searchPathSet: false,
          },
          {
            schema: 's',
            signature: 'h()',
            owner: 'plain',
            ownerSuperuser: false,
            ownerBypassRls: false,
            appCanExecute: true,
            searchPathSet: false,
          },
        ],
      }),
    );
    expect(kinds(got)).toEqual([
      'view_without_security_invoker:high',
      'view_without_security_invoker:medium',
      'security_definer_function:critical',
      'security_definer_function:high',
    ]);
    expect(got[2]!.why).not.toContain('search_path');
    expect(got[3]!.why).toContain('no search_path is set');
  });
});

describe('the report', () => {
  const f = (
    severity: RlsFinding['severity'],
    object: string,
    tenants: string[] = [],
  ): RlsFinding => ({
    kind: 'cross_tenant_grant',
    severity,
    object,
    why: 'x',
    tenants,
  });
  const findings = sortFindings([
    f('low', 'b', ['acme']),
    f('critical', 'z'),
    f('high', 'a', ['globex']),
  ]);
  const report: RlsAuditReport = {
    target: 'db:5432/saas',
    appRole: 'saas_app',
    checkedAt: new Date(0),
    checked: {
      schemas: 5,
      tenantSchemas: 3,
      tenantTables: 2,
      policies: 2,
      views: 0,
      definerFunctions: 0,
      roles: 4,
    },
    findings,
    passed: auditPasses(findings),
  };

  it('sorts by severity, passes only with low notes, and filters per tenant', () => {
    expect(findings.map((x) => x.object)).toEqual(['z', 'a', 'b']);
    expect(report.passed).toBe(false);
    expect(auditPasses([f('low', 'n')])).toBe(true);
    expect(findingsFor(report, 'acme').map((x) => x.object)).toEqual(['z', 'b']);
  });

  it('summarizes in one line', () => {
    expect(summarizeAudit(report)).toBe(
      'RLS audit FAILED on db:5432/saas: 3 findings (1 critical, 1 high, 1 low); 3 tenant schemas, 2 tables with tenant_id, 2 policies, 0 views, 0 SECURITY DEFINER functions, 4 roles checked',
    );
    expect(summarizeAudit(report, [])).toMatch(
      /^RLS audit passed on db:5432\/saas: 3 tenant schemas/,
    );
  });
});
