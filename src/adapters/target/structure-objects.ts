import type { PoolClient } from 'pg';
import { quoteIdent } from './target-db';
import type { EnumDef, Grant, SequenceDef } from './structure';

/** Sequences, enum types and grants of a schema, for structure-capture.ts. */

export async function sequencesIn(
  c: PoolClient,
  schema: string,
  nsp: number,
  grants: Map<string, Grant[]>,
): Promise<SequenceDef[]> {
  const { rows } = await c.query<{
    name: string;
    type: string;
    start: string;
    increment: string;
    min: string;
    max: string;
    cache: string;
    cycle: boolean;
    owner: string;
    owned_table: string | null;
    owned_column: string | null;
    identity: boolean;
  }>(
    `SELECT c.relname AS name, format_type(s.seqtypid, NULL) AS type, s.seqstart AS start,
            s.seqincrement AS increment, s.seqmin AS min, s.seqmax AS max, s.seqcache AS cache,
            s.seqcycle AS cycle, pg_get_userbyid(c.relowner) AS owner,
            tc.relname AS owned_table, ta.attname AS owned_column,
            coalesce(d.deptype = 'i', false) AS identity
     FROM pg_class c
     JOIN pg_sequence s ON s.seqrelid = c.oid
     LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
          AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
     LEFT JOIN pg_class tc ON tc.oid = d.refobjid
     LEFT JOIN pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid
     WHERE c.relnamespace = $1 AND c.relkind = 'S'
     ORDER BY c.relname`,
    [nsp],
  );
  const out: SequenceDef[] = [];
  for (const r of rows) {
    const { rows: state } = await c.query<{ last_value: string; is_called: boolean }>(
      `SELECT last_value::text AS last_value, is_called FROM ${quoteIdent(schema)}.${quoteIdent(r.name)}`,
    );
    out.push({
      name: r.name,
      type: r.type,
      start: r.start,
      increment: r.increment,
      min: r.min,
      max: r.max,
      cache: r.cache,
      cycle: r.cycle,
      lastValue: state[0]?.last_value ?? r.start,
      isCalled: state[0]?.is_called ?? false,
      ownedBy:
        r.owned_table && r.owned_column ? { table: r.owned_table, column: r.owned_column } : null,
      identity: r.identity,
      owner: r.owner,
      grants: grants.get(r.name) ?? [],
    });
  }
  return out;
}

export async function enumsIn(c: PoolClient, nsp: number): Promise<EnumDef[]> {
  const { rows } = await c.query<EnumDef>(
    `SELECT t.typname AS name, pg_get_userbyid(t.typowner) AS owner,
            array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
     FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
     WHERE t.typnamespace = $1 GROUP BY t.oid, t.typname, t.typowner ORDER BY t.typname`,
    [nsp],
  );
  return rows;
}

/** Explicit grants (not the owner's own) per table or sequence name; '' holds the schema's. */
export async function grantsIn(c: PoolClient, nsp: number): Promise<Map<string, Grant[]>> {
  const { rows } = await c.query<{ rel: string } & Grant>(
    `SELECT c.relname AS rel,
            CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END AS grantee,
            a.privilege_type AS privilege, a.is_grantable AS grantable
     FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
     WHERE c.relnamespace = $1 AND c.relkind IN ('r', 'S') AND a.grantee <> c.relowner
     UNION ALL
     SELECT '', CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
            a.privilege_type, a.is_grantable
     FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a
     WHERE n.oid = $1 AND a.grantee <> n.nspowner
     ORDER BY 1, 2, 3`,
    [nsp],
  );
  const byRel = new Map<string, Grant[]>();
  for (const { rel, ...g } of rows) byRel.set(rel, [...(byRel.get(rel) ?? []), g]);
  return byRel;
}
