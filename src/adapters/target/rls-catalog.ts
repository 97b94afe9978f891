import type { PoolClient } from 'pg';
import { CONTROL_SCHEMA } from '../../domain/backups/tenant-schema';
import type {
  DefinerFact,
  PolicyFact,
  PrivilegedFact,
  ReachFact,
  TableFact,
  ViewFact,
} from '../../domain/target/rls-rules';
import type { RoutingRow, SchemaInfo } from '../../domain/target/schema-owners';

// Every query below reads the catalogs of the connected database only; the app role's oid is
// NULL when it does not exist, and the privilege functions are strict, so they answer NULL.

/** The schemas the audit reads: all but the system ones and tenantops' control schema. */
const AUDITED = (n: string) =>
  `${n}.nspname NOT IN ('pg_catalog', 'information_schema', '${CONTROL_SCHEMA}') AND ${n}.nspname NOT LIKE 'pg\\_%'`;

/** Objects an extension installed are the extension's business, not the SaaS's schema. */
const NOT_EXTENSION = (oid: string, catalog: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;

const APP = `(SELECT oid FROM pg_roles WHERE rolname = $1)`;

export async function appRoleExists(c: PoolClient, appRole: string): Promise<boolean> {
  const { rows } = await c.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [appRole]);
  return rows.length > 0;
}

export async function schemasOf(c: PoolClient): Promise<SchemaInfo[]> {
  const { rows } = await c.query<{ name: string; comment: string | null }>(
    `SELECT n.nspname AS name, obj_description(n.oid, 'pg_namespace') AS comment
     FROM pg_namespace n WHERE ${AUDITED('n')} ORDER BY 1`,
  );
  return rows;
}

export async function routingRows(c: PoolClient): Promise<RoutingRow[]> {
  const { rows } = await c.query<RoutingRow>(
    `SELECT tenant_id AS tenant, schema_name AS schema, previous_schema AS previous
     FROM ${CONTROL_SCHEMA}.tenant_routing ORDER BY tenant_id`,
  );
  return rows;
}

export async function tableFacts(c: PoolClient, appRole: string): Promise<TableFact[]> {
  const { rows } = await c.query<TableFact>(
    `SELECT * FROM (
       SELECT n.nspname AS schema, c.relname AS name,
              EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
                        AND a.attnum > 0 AND NOT a.attisdropped) AS "hasTenantColumn",
              c.relrowsecurity AS "rlsEnabled", c.relforcerowsecurity AS "rlsForced",
              (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)::int AS policies,
              coalesce(pg_has_role(${APP}, c.relowner, 'USAGE'), false) AS "appOwns",
              coalesce(has_table_privilege(${APP}, c.oid, 'SELECT'), false) AS "appCanRead"
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND ${AUDITED('n')} AND ${NOT_EXTENSION('c.oid', 'pg_class')}
     ) t WHERE "hasTenantColumn" OR "rlsEnabled" ORDER BY schema, name`,
    [appRole],
  );
  return rows;
}

export async function policyFacts(c: PoolClient, appRole: string): Promise<PolicyFact[]> {
  const { rows } = await c.query<PolicyFact>(
    `SELECT n.nspname AS schema, c.relname AS table, p.polname AS name, p.polpermissive AS permissive,
            p.polcmd AS command,
            ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r)::text END
                  FROM unnest(p.polroles) r ORDER BY 1) AS roles,
            (0 = ANY (p.polroles) OR EXISTS (SELECT 1 FROM unnest(p.polroles) r
               WHERE r <> 0 AND coalesce(pg_has_role(${APP}, r, 'MEMBER'), false))) AS "appliesToApp",
            pg_get_expr(p.polqual, p.polrelid) AS using,
            pg_get_expr(p.polwithcheck, p.polrelid) AS "withCheck"
     FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE ${AUDITED('n')} ORDER BY 1, 2, 3`,
    [appRole],
  );
  return rows;
}

/** The app role and every role it is a member of (it can SET ROLE to them), where privileged. */
export async function privilegedFacts(c: PoolClient, appRole: string): Promise<PrivilegedFact[]> {
  const { rows } = await c.query<PrivilegedFact>(
    `WITH RECURSIVE up(oid) AS (
       SELECT oid FROM pg_roles WHERE rolname = $1
       UNION SELECT m.roleid FROM pg_auth_members m JOIN up ON m.member = up.oid)
     SELECT r.rolname AS role, r.rolsuper AS superuser, r.rolbypassrls AS "bypassRls",
            r.rolname IN ('pg_read_all_data', 'pg_write_all_data') AS "allData",
            r.rolname = $1 AS "isAppRole"
     FROM up JOIN pg_roles r ON r.oid = up.oid
     WHERE r.rolsuper OR r.rolbypassrls OR r.rolname IN ('pg_read_all_data', 'pg_write_all_data')
     ORDER BY r.rolname = $1 DESC, r.rolname`,
    [appRole],
  );
  return rows;
}

/**
 * Which roles (and PUBLIC) can use each of `schemas` and read or write one of its tables, as
 * Postgres itself decides it (grants, PUBLIC, inherited membership, ownership). Superusers and
 * predefined pg_* roles are left out: the first are reported through the app role, the second
 * are Postgres' own.
 */
export async function reachFacts(c: PoolClient, schemas: string[]): Promise<ReachFact[]> {
  if (schemas.length === 0) return [];
  const { rows } = await c.query<ReachFact>(
    `WITH s AS (SELECT oid, nspname, nspowner FROM pg_namespace WHERE nspname = ANY ($1)),
     t AS (SELECT c.oid, c.relnamespace FROM pg_class c JOIN s ON s.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p', 'v', 'm'))
     SELECT r.rolname AS role, s.nspname AS schema, pg_has_role(r.oid, s.nspowner, 'USAGE') AS owns
     FROM s CROSS JOIN pg_roles r
     WHERE NOT r.rolsuper AND r.rolname !~ '^pg_' AND has_schema_privilege(r.oid, s.oid, 'USAGE')
       AND EXISTS (SELECT 1 FROM t WHERE t.relnamespace = s.oid
                     AND has_table_privilege(r.oid, t.oid, 'SELECT, INSERT, UPDATE, DELETE'))
     UNION ALL
     SELECT 'PUBLIC', s.nspname, false FROM s
     WHERE has_schema_privilege('public', s.oid, 'USAGE')
       AND EXISTS (SELECT 1 FROM t WHERE t.relnamespace = s.oid
                     AND has_table_privilege('public', t.oid, 'SELECT, INSERT, UPDATE, DELETE'))
     ORDER BY 1, 2`,
    [schemas],
  );
  return rows;
}

export async function viewFacts(c: PoolClient): Promise<ViewFact[]> {
  const { rows } = await c.query<ViewFact>(
    `SELECT n.nspname AS schema, c.relname AS name,
            EXISTS (SELECT 1 FROM pg_options_to_table(c.reloptions) o
                    WHERE o.option_name = 'security_invoker'
                      AND lower(o.option_value) IN ('true', 'on', 'yes', '1')) AS "securityInvoker",
            EXISTS (SELECT 1 FROM pg_rewrite w
                    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
                                    AND d.refclassid = 'pg_class'::regclass
                    JOIN pg_class t ON t.oid = d.refobjid
                    WHERE w.ev_class = c.oid AND t.oid <> c.oid
                      AND (t.relrowsecurity OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = t.oid
                             AND a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped))) AS "readsTenantData"
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'v' AND ${AUDITED('n')} AND ${NOT_EXTENSION('c.oid', 'pg_class')}
     ORDER BY 1, 2`,
  );
  return rows;
}

export async function definerFacts(c: PoolClient, appRole: string): Promise<DefinerFact[]> {
  const { rows } = await c.query<DefinerFact>(
    `SELECT n.nspname AS schema, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS signature,
            o.rolname AS owner, o.rolsuper AS "ownerSuperuser", o.rolbypassrls AS "ownerBypassRls",
            coalesce(has_function_privilege(${APP}, p.oid, 'EXECUTE'), false) AS "appCanExecute",
            EXISTS (SELECT 1 FROM unnest(p.proconfig) s WHERE s LIKE 'search\\_path=%') AS "searchPathSet"
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_roles o ON o.oid = p.proowner
     WHERE p.prosecdef AND ${AUDITED('n')} AND ${NOT_EXTENSION('p.oid', 'pg_proc')}
     ORDER BY 1, 2`,
    [appRole],
  );
  return rows;
}
