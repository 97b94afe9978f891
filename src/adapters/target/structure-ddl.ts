import { quoteIdent, quoteLiteral } from './target-db';
import type { ColumnDef, Grant, SchemaStructure, SequenceDef, TableDef } from './structure';

/**
 * SQL that rebuilds a captured structure inside another schema. Every statement runs with
 * search_path on that schema, so the unqualified names of the capture land there.
 */

/** Schema, enum types, sequences and tables (no constraints or indexes: those follow the load). */
export function createStatements(s: SchemaStructure, into: string): string[] {
  const out = [`CREATE SCHEMA ${quoteIdent(into)}`];
  for (const e of s.enums)
    out.push(
      `CREATE TYPE ${quoteIdent(e.name)} AS ENUM (${e.labels.map(quoteLiteral).join(', ')})`,
    );
  for (const q of s.sequences.filter((q) => !q.identity))
    out.push(`CREATE SEQUENCE ${quoteIdent(q.name)} AS ${q.type} ${sequenceOptions(q)}`);
  for (const t of s.tables) out.push(createTable(t, s.sequences));
  for (const q of s.sequences.filter((q) => q.ownedBy && !q.identity))
    out.push(
      `ALTER SEQUENCE ${quoteIdent(q.name)} OWNED BY ${quoteIdent(q.ownedBy!.table)}.${quoteIdent(q.ownedBy!.column)}`,
    );
  return out;
}

function sequenceOptions(q: SequenceDef): string {
  return (
    `START WITH ${q.start} INCREMENT BY ${q.increment} MINVALUE ${q.min} MAXVALUE ${q.max} ` +
    `CACHE ${q.cache} ${q.cycle ? 'CYCLE' : 'NO CYCLE'}`
  );
}

function createTable(t: TableDef, sequences: SequenceDef[]): string {
  const cols = t.columns.map((c) => columnDefinition(t, c, sequences));
  return `CREATE ${t.unlogged ? 'UNLOGGED ' : ''}TABLE ${quoteIdent(t.name)} (\n  ${cols.join(',\n  ')}\n)`;
}

function columnDefinition(t: TableDef, c: ColumnDef, sequences: SequenceDef[]): string {
  const parts = [quoteIdent(c.name), c.type];
  if (c.collation) parts.push(`COLLATE ${c.collation}`);
  if (c.generated && c.default)
    parts.push(`GENERATED ALWAYS AS (${c.default}) ${c.generated === 'v' ? 'VIRTUAL' : 'STORED'}`);
  else if (c.identity) {
    const seq = sequences.find(
      (q) => q.identity && q.ownedBy?.table === t.name && q.ownedBy.column === c.name,
    );
    const opts = seq ? ` (SEQUENCE NAME ${quoteIdent(seq.name)} ${sequenceOptions(seq)})` : '';
    parts.push(`GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY${opts}`);
  } else if (c.default) parts.push(`DEFAULT ${c.default}`);
  if (c.notNull) parts.push('NOT NULL');
  return parts.join(' ');
}

/** Primary keys, unique and exclusion constraints and plain indexes of one table (after its load). */
export function indexStatements(t: TableDef): string[] {
  return [
    ...t.constraints
      .filter((k) => k.type === 'p' || k.type === 'u' || k.type === 'x')
      .map((k) => addConstraint(t, k.name, k.def)),
    ...t.indexes.map((i) => i.def),
  ];
}

/** Check constraints, then foreign keys (they need the referenced keys' indexes). */
export function checkAndForeignKeyStatements(s: SchemaStructure): string[] {
  const of = (type: 'c' | 'f') =>
    s.tables.flatMap((t) =>
      t.constraints.filter((k) => k.type === type).map((k) => addConstraint(t, k.name, k.def)),
    );
  return [...of('c'), ...of('f')];
}

function addConstraint(t: TableDef, name: string, def: string): string {
  return `ALTER TABLE ${quoteIdent(t.name)} ADD CONSTRAINT ${quoteIdent(name)} ${def}`;
}

/** Sequences set at or past both the backed-up position and the largest id in their column. */
export function sequenceStatements(s: SchemaStructure): string[] {
  return s.sequences.map((q) => {
    const backedUp = `${q.lastValue}::numeric`;
    const seq = quoteLiteral(quoteIdent(q.name));
    if (!q.ownedBy || q.increment.startsWith('-'))
      return `SELECT setval(${seq}, ${q.lastValue}, ${q.isCalled ? 'true' : 'false'})`;
    const col = `(SELECT max(${quoteIdent(q.ownedBy.column)})::numeric FROM ${quoteIdent(q.ownedBy.table)})`;
    // Past the max id, never behind the backed-up position (ids handed out but rolled back).
    return (
      `SELECT setval(${seq}, greatest(${backedUp}, coalesce(${col}, ${backedUp}))::bigint, ` +
      `${q.isCalled ? 'true' : `coalesce(${col} >= ${backedUp}, false)`})`
    );
  });
}

/**
 * Owners (where the connecting user may set them) and grants. `skipGrant` leaves out what must
 * not be given here (the app role's writes: resume gives those back).
 */
export function ownerAndGrantStatements(
  s: SchemaStructure,
  into: string,
  owners: ReadonlySet<string>,
  roles: ReadonlySet<string>,
  grantsOf: (name: string, kind: 'schema' | 'table' | 'sequence') => Grant[],
  skipGrant: (g: Grant) => boolean,
): string[] {
  const out: string[] = [];
  const owner = (kind: string, name: string, role: string) => {
    if (owners.has(role))
      out.push(`ALTER ${kind} ${quoteIdent(name)} OWNER TO ${quoteIdent(role)}`);
  };
  owner('SCHEMA', into, s.owner);
  for (const e of s.enums) owner('TYPE', e.name, e.owner);
  for (const t of s.tables) owner('TABLE', t.name, t.owner);
  for (const q of s.sequences.filter((q) => !q.ownedBy)) owner('SEQUENCE', q.name, q.owner);
  const grant = (on: string, name: string, g: Grant) => {
    if (skipGrant(g) || (g.grantee !== 'PUBLIC' && !roles.has(g.grantee))) return;
    const to = g.grantee === 'PUBLIC' ? 'PUBLIC' : quoteIdent(g.grantee);
    const option = g.grantable ? ' WITH GRANT OPTION' : '';
    out.push(`GRANT ${g.privilege} ON ${on} ${quoteIdent(name)} TO ${to}${option}`);
  };
  for (const g of grantsOf(into, 'schema')) grant('SCHEMA', into, g);
  for (const t of s.tables) for (const g of grantsOf(t.name, 'table')) grant('TABLE', t.name, g);
  for (const q of s.sequences)
    for (const g of grantsOf(q.name, 'sequence')) grant('SEQUENCE', q.name, g);
  return out;
}
