import type { PoolClient } from 'pg';
import { DomainError } from '../../domain/errors';
import { enumsIn, grantsIn, sequencesIn } from './structure-objects';
import type {
  ColumnDef,
  ConstraintDef,
  Grant,
  KeyKind,
  SchemaStructure,
  TableDef,
} from './structure';

const KEY_KINDS: Record<string, KeyKind> = {
  int2: 'int',
  int4: 'int',
  int8: 'int',
  uuid: 'uuid',
  text: 'text',
  varchar: 'text',
};

/**
 * Objects a restore could not rebuild: the backup refuses rather than lose them silently. The
 * capture triggers of a migration in progress are tenantops' own, not the tenant's.
 */
const UNSUPPORTED_SQL = `
SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
         WHEN 'p' THEN 'partitioned table' WHEN 'f' THEN 'foreign table'
         WHEN 'c' THEN 'composite type' ELSE 'relation' END AS kind, c.relname::text AS name
  FROM pg_class c WHERE c.relnamespace = $1 AND c.relkind NOT IN ('r', 'S', 'i', 't')
UNION ALL SELECT 'function', p.proname::text FROM pg_proc p WHERE p.pronamespace = $1
UNION ALL SELECT 'trigger', t.tgname || ' on ' || c.relname FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = $1 AND NOT t.tgisinternal
    AND t.tgname NOT LIKE 'tenantops\\_capture\\_%'
UNION ALL SELECT 'row-level security', c.relname::text FROM pg_class c
  WHERE c.relnamespace = $1 AND c.relkind = 'r' AND c.relrowsecurity
UNION ALL SELECT 'inherited table', c.relname::text FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relnamespace = $1
UNION ALL SELECT 'type', t.typname::text FROM pg_type t
  WHERE t.typnamespace = $1 AND t.typtype IN ('b', 'd', 'r') AND t.typcategory <> 'A'`;

/**
 * Reads the structure of `schema` from the catalogs. Run it with search_path on the schema
 * (TargetDb.tx `searchPath`): pg_get_*def() and format_type() then print the schema's own
 * objects unqualified, so the statements replay into another schema.
 */
export async function captureStructure(c: PoolClient, schema: string): Promise<SchemaStructure> {
  const { rows: ns } = await c.query<{ oid: number; owner: string }>(
    `SELECT oid, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1`,
    [schema],
  );
  const nsp = ns[0];
  if (!nsp) throw new DomainError('target_no_schema', `schema "${schema}" does not exist`);
  const { rows: odd } = await c.query<{ kind: string; name: string }>(UNSUPPORTED_SQL, [nsp.oid]);
  if (odd.length > 0)
    throw new DomainError(
      'unsupported_schema_object',
      `schema ${schema} holds what a backup cannot rebuild yet: ${odd.map((o) => `${o.kind} ${o.name}`).join(', ')}`,
    );
  const grants = await grantsIn(c, nsp.oid);
  const tables = await tablesIn(c, nsp.oid, grants);
  return {
    format: 1,
    schema,
    owner: nsp.owner,
    schemaGrants: grants.get('') ?? [],
    enums: await enumsIn(c, nsp.oid),
    sequences: await sequencesIn(c, schema, nsp.oid, grants),
    tables,
  };
}

async function tablesIn(
  c: PoolClient,
  nsp: number,
  grants: Map<string, Grant[]>,
): Promise<TableDef[]> {
  const { rows } = await c.query<{ oid: number; name: string; unlogged: boolean; owner: string }>(
    `SELECT c.oid, c.relname AS name, c.relpersistence = 'u' AS unlogged,
            pg_get_userbyid(c.relowner) AS owner
     FROM pg_class c WHERE c.relnamespace = $1 AND c.relkind = 'r' ORDER BY c.relname`,
    [nsp],
  );
  const columns = await columnsIn(c, nsp);
  const constraints = await constraintsIn(c, nsp);
  const indexes = await indexesIn(c, nsp);
  return rows.map((t) => {
    const cols = columns.get(t.oid) ?? [];
    const pk = constraints.get(t.oid)?.find((k) => k.type === 'p');
    return {
      name: t.name,
      unlogged: t.unlogged,
      owner: t.owner,
      columns: cols.map((col) => col.def),
      primaryKey: pk
        ? {
            columns: pk.columns,
            kinds: pk.columns.map((k) => cols.find((col) => col.def.name === k)?.keyKind ?? null),
          }
        : null,
      constraints: (constraints.get(t.oid) ?? []).map(({ name, type, def }) => ({
        name,
        type,
        def,
      })),
      indexes: indexes.get(t.oid) ?? [],
      grants: grants.get(t.name) ?? [],
    };
  });
}

interface ColumnRow {
  relid: number;
  name: string;
  type: string;
  not_null: boolean;
  def: string | null;
  identity: string;
  generated: string;
  collation: string | null;
  builtin: string | null;
}

async function columnsIn(
  c: PoolClient,
  nsp: number,
): Promise<Map<number, { def: ColumnDef; keyKind: KeyKind | null }[]>> {
  const { rows } = await c.query<ColumnRow>(
    `SELECT a.attrelid AS relid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS def,
            a.attidentity::text AS identity, a.attgenerated::text AS generated,
            CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN
              (SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(co.collname)
                      ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
               FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
               WHERE co.oid = a.attcollation) END AS collation,
            CASE WHEN t.typnamespace = 'pg_catalog'::regnamespace THEN t.typname::text END AS builtin
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_type t ON t.oid = a.atttypid
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE c.relnamespace = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attrelid, a.attnum`,
    [nsp],
  );
  const byTable = new Map<number, { def: ColumnDef; keyKind: KeyKind | null }[]>();
  for (const r of rows) {
    const list = byTable.get(r.relid) ?? [];
    list.push({
      def: {
        name: r.name,
        type: r.type,
        notNull: r.not_null,
        default: r.def,
        identity: r.identity,
        generated: r.generated,
        collation: r.collation,
      },
      // A non-default collation orders differently from the bytes: keep such keys in Postgres.
      keyKind: r.collation ? null : (KEY_KINDS[r.builtin ?? ''] ?? null),
    });
    byTable.set(r.relid, list);
  }
  return byTable;
}

async function constraintsIn(
  c: PoolClient,
  nsp: number,
): Promise<Map<number, (ConstraintDef & { columns: string[] })[]>> {
  const { rows } = await c.query<{
    relid: number;
    name: string;
    type: ConstraintDef['type'];
    def: string;
    columns: string[];
  }>(
    `SELECT con.conrelid AS relid, con.conname AS name, con.contype::text AS type,
            pg_get_constraintdef(con.oid) AS def,
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n
                  ORDER BY k.i) AS columns
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
     WHERE c.relnamespace = $1 AND con.contype IN ('p', 'u', 'x', 'c', 'f')
     ORDER BY con.conrelid, con.conname`,
    [nsp],
  );
  const byTable = new Map<number, (ConstraintDef & { columns: string[] })[]>();
  for (const r of rows) byTable.set(r.relid, [...(byTable.get(r.relid) ?? []), r]);
  return byTable;
}

async function indexesIn(
  c: PoolClient,
  nsp: number,
): Promise<Map<number, { name: string; def: string }[]>> {
  // pg_get_indexdef() qualifies the table whatever the search_path: the ON clause is
  // rewritten here, exactly as the server printed it, and nothing else in the text.
  const { rows } = await c.query<{
    relid: number;
    name: string;
    def: string;
    qualified: string;
    bare: string;
  }>(
    `SELECT i.indrelid AS relid, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def,
            ' ON ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' USING ' AS qualified,
            ' ON ' || quote_ident(c.relname) || ' USING ' AS bare
     FROM pg_index i
     JOIN pg_class ic ON ic.oid = i.indexrelid
     JOIN pg_class c ON c.oid = i.indrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relnamespace = $1 AND c.relkind = 'r'
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                       AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
     ORDER BY i.indrelid, ic.relname`,
    [nsp],
  );
  const byTable = new Map<number, { name: string; def: string }[]>();
  for (const r of rows) {
    if (!r.def.includes(r.qualified))
      throw new Error(`index ${r.name}: unexpected definition shape, cannot replay it elsewhere`);
    const index = { name: r.name, def: r.def.replace(r.qualified, r.bare) };
    byTable.set(r.relid, [...(byTable.get(r.relid) ?? []), index]);
  }
  return byTable;
}
