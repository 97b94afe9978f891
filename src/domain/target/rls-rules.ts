import type { RlsFinding, Severity } from './rls-audit';
import type { SchemaClass } from './schema-owners';

/** A table that holds a tenant_id column, or has row-level security on. */
export interface TableFact {
  schema: string;
  name: string;
  hasTenantColumn: boolean;
  rlsEnabled: boolean;
  rlsForced: boolean;
  policies: number;
  /** The app role owns it (or is a member of its owner): RLS does not apply to it unless forced. */
  appOwns: boolean;
  appCanRead: boolean;
}

export interface PolicyFact {
  schema: string;
  table: string;
  name: string;
  permissive: boolean;
  /** pg_policy.polcmd: r SELECT, a INSERT, w UPDATE, d DELETE, * ALL. */
  command: 'r' | 'a' | 'w' | 'd' | '*';
  roles: string[];
  appliesToApp: boolean;
  using: string | null;
  withCheck: string | null;
}

/** A role the app role is, or can become, that bypasses row-level security or privileges. */
export interface PrivilegedFact {
  role: string;
  superuser: boolean;
  bypassRls: boolean;
  /** pg_read_all_data / pg_write_all_data: every schema and table, whatever the grants. */
  allData: boolean;
  /** The app role itself, or one it is a member of. */
  isAppRole: boolean;
}

/** A role that can use a schema and read or write at least one of its tables. */
export interface ReachFact {
  /** Role name, or PUBLIC. */
  role: string;
  schema: string;
  /** The role owns the schema (or is a member of its owner). */
  owns: boolean;
}

export interface ViewFact {
  schema: string;
  name: string;
  securityInvoker: boolean;
  /** Reads a table with row-level security or a tenant_id column. */
  readsTenantData: boolean;
}

export interface DefinerFact {
  schema: string;
  /** name(argument types) */
  signature: string;
  owner: string;
  ownerSuperuser: boolean;
  ownerBypassRls: boolean;
  appCanExecute: boolean;
  searchPathSet: boolean;
}

export interface RlsFacts {
  appRole: string;
  appRoleExists: boolean;
  tables: TableFact[];
  policies: PolicyFact[];
  privileged: PrivilegedFact[];
  schemas: SchemaClass[];
  reach: ReachFact[];
  views: ViewFact[];
  definers: DefinerFact[];
}

export function auditFindings(facts: RlsFacts): RlsFinding[] {
  return [
    ...tableFindings(facts.tables),
    ...facts.policies.flatMap(policyFinding),
    ...roleFindings(facts),
    ...reachFindings(facts),
    ...viewFindings(facts.views),
    ...definerFindings(facts.definers),
  ];
}

function finding(
  kind: RlsFinding['kind'],
  severity: Severity,
  object: string,
  why: string,
  tenants: string[] = [],
): RlsFinding {
  return { kind, severity, object, why, tenants };
}

function tableFindings(tables: TableFact[]): RlsFinding[] {
  const out: RlsFinding[] = [];
  for (const t of tables.filter((x) => x.hasTenantColumn)) {
    const object = `table ${t.schema}.${t.name}`;
    if (!t.rlsEnabled)
      out.push(
        finding(
          'rls_not_enabled',
          t.appCanRead ? 'critical' : 'high',
          object,
          `holds tenant_id but row-level security is off: ${t.appCanRead ? "the app role reads every tenant's rows, and " : ''}one missing WHERE tenant_id = … in the SaaS shows another tenant's data`,
        ),
      );
    else if (!t.rlsForced)
      out.push(
        finding(
          'rls_not_forced',
          t.appOwns ? 'critical' : 'medium',
          object,
          t.appOwns
            ? 'row-level security is enabled but not forced, and the app role owns the table: its policies do not apply to the SaaS at all (ALTER TABLE … FORCE ROW LEVEL SECURITY)'
            : 'row-level security is enabled but not forced: the table owner bypasses the policies, so any job or migration running as the owner sees every tenant',
        ),
      );
    if (t.rlsEnabled && t.policies === 0)
      out.push(
        finding(
          'no_policy',
          'medium',
          object,
          'row-level security is on but there is no policy, so every row is hidden (default deny): the SaaS breaks for this table, and the usual quick fix, USING (true), opens it to every tenant',
        ),
      );
  }
  return out;
}

const COMMANDS = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', '*': 'ALL' } as const;

/** An expression that is constant true once parentheses, casts and case are set aside. */
export function alwaysTrue(expr: string | null): boolean {
  if (expr === null) return false;
  const e = expr
    .toLowerCase()
    .replace(/::boolean/g, '')
    .replace(/[\s()]/g, '');
  return e === 'true' || e === "'t'" || e === "'true'" || e === '1=1';
}

/** Mentions the tenant (tenant_id, a tenant function…) or the session's identity (current_setting, current_user). */
export function mentionsTenant(expr: string | null): boolean {
  return expr !== null && /tenant|current_setting\s*\(|current_user|session_user/i.test(expr);
}

/** The expressions that decide the rows of a command: USING for reads, WITH CHECK (or USING) for writes. */
function clauses(p: PolicyFact): [string, string | null][] {
  const out: [string, string | null][] = [];
  if (p.command !== 'a') out.push(['USING', p.using]);
  if (p.command === 'a' || p.command === 'w' || p.command === '*')
    out.push(['WITH CHECK', p.withCheck ?? p.using]);
  return out;
}

function policyFinding(p: PolicyFact): RlsFinding[] {
  // Restrictive policies only narrow what permissive ones allow: a true one changes nothing.
  if (!p.permissive) return [];
  const object = `policy ${p.name} on ${p.schema}.${p.table} (${COMMANDS[p.command]}, to ${p.roles.join(', ')})`;
  const open = clauses(p).find(([, e]) => alwaysTrue(e));
  if (open)
    return [
      finding(
        'policy_always_true',
        p.appliesToApp ? 'critical' : 'high',
        object,
        `${open[0]} (true): permissive policies are OR-ed, so this one lets ${p.appliesToApp ? 'the app role' : 'its roles'} ${open[0] === 'USING' ? 'see' : 'write'} every tenant's rows whatever the other policies say`,
      ),
    ];
  const unscoped = clauses(p).filter(([, e]) => e !== null);
  if (unscoped.length > 0 && unscoped.every(([, e]) => !mentionsTenant(e)))
    return [
      finding(
        'policy_not_tenant_scoped',
        p.appliesToApp ? 'high' : 'medium',
        object,
        `${unscoped.map(([c, e]) => `${c} (${e})`).join(' ')} does not mention tenant_id or current_setting(…): nothing ties the rows to the caller's tenant`,
      ),
    ];
  return [];
}

function roleFindings(facts: RlsFacts): RlsFinding[] {
  if (!facts.appRoleExists)
    return [
      finding(
        'app_role_missing',
        'high',
        `role ${facts.appRole}`,
        'target.appRole does not exist on the target: the audit cannot check what the SaaS connects as, and write pauses cannot work',
      ),
    ];
  return facts.privileged.map((r) => {
    const what = r.superuser
      ? 'is a superuser'
      : r.bypassRls
        ? 'has BYPASSRLS'
        : `is ${r.role} (reads${r.role === 'pg_write_all_data' ? ' and writes' : ''} every table of every schema)`;
    const who = r.isAppRole
      ? `the app role ${facts.appRole} ${what}`
      : `${facts.appRole} is a member of ${r.role}, which ${what}`;
    return finding(
      'privileged_app_role',
      r.superuser || r.bypassRls ? 'critical' : 'high',
      `role ${r.isAppRole ? facts.appRole : r.role}`,
      `${who}: no row-level security policy or grant stops the SaaS from reading every tenant${r.isAppRole ? '' : ' (it can SET ROLE to it)'}`,
    );
  });
}

function reachFindings(facts: RlsFacts): RlsFinding[] {
  const classes = new Map(facts.schemas.map((s) => [s.schema, s]));
  const out: RlsFinding[] = [];
  const byRole = new Map<string, ReachFact[]>();
  for (const r of facts.reach) {
    const cls = classes.get(r.schema);
    if (!cls || cls.role === 'other') continue;
    if (r.role === facts.appRole) {
      if (cls.role === 'live') continue;
      const kept = cls.role === 'previous' || cls.role === 'tenantops';
      out.push(
        finding(
          'unrouted_schema_access',
          kept ? 'low' : 'high',
          `schema ${r.schema}`,
          kept
            ? `the app role can still read ${r.schema}, ${cls.role === 'previous' ? 'the schema a swap left' : 'a copy tenantops built'} for ${cls.tenant}; no tenant is routed to it, so the SaaS never should (drop it once the rollback window is over)`
            : `the app role can read ${r.schema}, which no tenant is routed to (it looks like ${cls.tenant}'s by target.schemaPattern): a bug or a forged tenant id in the SaaS can reach data routing never gives out`,
          cls.tenant ? [cls.tenant] : [],
        ),
      );
      continue;
    }
    byRole.set(r.role, [...(byRole.get(r.role) ?? []), r]);
  }
  for (const [role, reach] of byRole) {
    const tenants = [...new Set(reach.map((r) => classes.get(r.schema)!.tenant!))].sort();
    const schemas = reach.map((r) => r.schema).sort();
    if (role === 'PUBLIC')
      out.push(
        finding(
          'cross_tenant_grant',
          'critical',
          `PUBLIC on ${schemas.join(', ')}`,
          `every role of the database, each tenant's own included, can use ${schemas.join(', ')} and its tables (grants to PUBLIC)`,
          tenants,
        ),
      );
    else if (tenants.length > 1 && !reach.every((r) => r.owns))
      out.push(
        finding(
          'cross_tenant_grant',
          'high',
          `role ${role}`,
          `reaches the schemas of ${tenants.length} tenants (${schemas.join(', ')}): a role that serves one tenant must not read another's, and routing never intends it`,
          tenants,
        ),
      );
  }
  return out;
}

function viewFindings(views: ViewFact[]): RlsFinding[] {
  return views
    .filter((v) => !v.securityInvoker)
    .map((v) =>
      finding(
        'view_without_security_invoker',
        v.readsTenantData ? 'high' : 'medium',
        `view ${v.schema}.${v.name}`,
        `runs with its owner's rights, not the caller's (no security_invoker): ${v.readsTenantData ? 'it reads tenant data, and row-level security is checked as the owner, who usually bypasses it' : 'if it ever reads tenant data, row-level security is checked as the owner'}`,
      ),
    );
}

function definerFindings(definers: DefinerFact[]): RlsFinding[] {
  return definers
    .filter((d) => d.ownerSuperuser || d.ownerBypassRls)
    .map((d) =>
      finding(
        'security_definer_function',
        d.appCanExecute ? 'critical' : 'high',
        `function ${d.schema}.${d.signature}`,
        `SECURITY DEFINER owned by ${d.owner} (${d.ownerSuperuser ? 'superuser' : 'BYPASSRLS'}): whoever calls it runs as ${d.owner}, past every policy${d.appCanExecute ? ', and the app role may call it' : ''}${d.searchPathSet ? '' : '; no search_path is set on it, so a caller can also hijack the names it uses'}`,
      ),
    );
}
