import { auditFindings } from '../../domain/target/rls-rules';
import { auditPasses, sortFindings, type RlsAuditReport } from '../../domain/target/rls-audit';
import { classifySchemas } from '../../domain/target/schema-owners';
import { assertTenantId } from './tenant-input';
import type { TargetDb } from './target-db';
import {
  appRoleExists,
  definerFacts,
  policyFacts,
  privilegedFacts,
  reachFacts,
  routingRows,
  schemasOf,
  tableFacts,
  viewFacts,
} from './rls-catalog';

export interface AuditContext {
  db: TargetDb;
  schemaPattern: string;
  appRole: string;
}

/**
 * Reads the target's catalogs in one read-only snapshot and applies the audit's rules
 * (src/domain/target/rls-rules.ts). Changes nothing on the target.
 */
export async function auditRls(
  ctx: AuditContext,
  tenants: readonly string[],
): Promise<RlsAuditReport> {
  tenants.forEach(assertTenantId);
  const facts = await ctx.db.tx(
    async (c) => {
      const schemas = classifySchemas(
        await schemasOf(c),
        await routingRows(c),
        tenants,
        ctx.schemaPattern,
      );
      const tenantSchemas = schemas.filter((s) => s.role !== 'other').map((s) => s.schema);
      const { rows } = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_roles WHERE NOT rolsuper AND rolname !~ '^pg_'`,
      );
      return {
        appRole: ctx.appRole,
        appRoleExists: await appRoleExists(c, ctx.appRole),
        tables: await tableFacts(c, ctx.appRole),
        policies: await policyFacts(c, ctx.appRole),
        privileged: await privilegedFacts(c, ctx.appRole),
        schemas,
        reach: await reachFacts(c, tenantSchemas),
        views: await viewFacts(c),
        definers: await definerFacts(c, ctx.appRole),
        roles: rows[0]?.n ?? 0,
      };
    },
    { isolation: 'repeatable read', readOnly: true },
  );
  const findings = sortFindings(auditFindings(facts));
  return {
    target: ctx.db.description,
    appRole: ctx.appRole,
    checkedAt: new Date(),
    checked: {
      schemas: facts.schemas.length,
      tenantSchemas: facts.schemas.filter((s) => s.role !== 'other').length,
      tenantTables: facts.tables.filter((t) => t.hasTenantColumn).length,
      policies: facts.policies.length,
      views: facts.views.length,
      definerFunctions: facts.definers.length,
      roles: facts.roles,
    },
    findings,
    passed: auditPasses(findings),
  };
}
