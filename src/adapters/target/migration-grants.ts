import type { PoolClient } from 'pg';
import type { Grant, SchemaStructure } from './structure';
import { ownerAndGrantStatements } from './structure-ddl';
import { quoteIdent } from './target-db';

const APP_WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']);

/**
 * Owners and grants of the live schema, for its copy in the shadow; the app role's writes are
 * left out (the switch gives them back, as a resume does).
 */
export async function liveGrants(
  c: PoolClient,
  appRole: string,
  live: SchemaStructure,
  shadow: string,
): Promise<string[]> {
  const { rows } = await c.query<{ rolname: string; mine: boolean }>(
    `SELECT rolname, pg_has_role(current_user, oid, 'MEMBER') AS mine FROM pg_roles`,
  );
  const grantsOf = (name: string, kind: 'schema' | 'table' | 'sequence'): Grant[] =>
    kind === 'schema'
      ? live.schemaGrants
      : kind === 'table'
        ? (live.tables.find((t) => t.name === name)?.grants ?? [])
        : (live.sequences.find((q) => q.name === name)?.grants ?? []);
  return ownerAndGrantStatements(
    live,
    shadow,
    new Set(rows.filter((r) => r.mine).map((r) => r.rolname)),
    new Set(rows.map((r) => r.rolname)),
    grantsOf,
    (g) => g.grantee === appRole && APP_WRITES.has(g.privilege),
  );
}

/**
 * Tables and sequences the migration created, to which it granted the app role nothing: the
 * read privileges the app role holds on every live table (sequence). Their writes come with
 * the switch, like the kept tables' (see `commonWrites`).
 */
export function newObjectGrants(
  appRole: string,
  live: SchemaStructure,
  after: SchemaStructure,
): string[] {
  const role = quoteIdent(appRole);
  const out: string[] = [];
  const appPrivileges = (grants: Grant[]) =>
    grants.filter((g) => g.grantee === appRole).map((g) => g.privilege);
  const tableReads = common(live.tables.map((t) => appPrivileges(t.grants))).filter(
    (p) => !APP_WRITES.has(p),
  );
  for (const t of after.tables)
    if (
      !live.tables.some((x) => x.name === t.name) &&
      !appPrivileges(t.grants).length &&
      tableReads.length
    )
      out.push(`GRANT ${tableReads.join(', ')} ON TABLE ${quoteIdent(t.name)} TO ${role}`);
  const seqPrivileges = common(live.sequences.map((q) => appPrivileges(q.grants)));
  for (const q of after.sequences)
    if (
      !live.sequences.some((x) => x.name === q.name) &&
      !appPrivileges(q.grants).length &&
      seqPrivileges.length
    )
      out.push(`GRANT ${seqPrivileges.join(', ')} ON SEQUENCE ${quoteIdent(q.name)} TO ${role}`);
  return out;
}

/** The write privileges the app role held on every table when its writes were paused. */
export function commonWrites(held: Record<string, string[]>): string[] {
  return common(Object.values(held)).filter((p) => APP_WRITES.has(p));
}

function common(lists: string[][]): string[] {
  if (!lists.length) return [];
  return lists.reduce((a, b) => a.filter((x) => b.includes(x))).sort();
}
