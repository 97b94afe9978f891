/** A schema's structure as a backup records it: enough to rebuild it without the live schema. */

/** Primary-key column types whose order Node can reproduce (see pk-order.ts). */
export type KeyKind = 'int' | 'uuid' | 'text';

export interface ColumnDef {
  name: string;
  /** format_type() with search_path on the schema: unqualified for the schema's own types. */
  type: string;
  notNull: boolean;
  default: string | null;
  /** '' | 'a' (ALWAYS) | 'd' (BY DEFAULT) */
  identity: string;
  /** '' | 's' (STORED) | 'v' (VIRTUAL): generated columns are not in the data files. */
  generated: string;
  /** `COLLATE` clause text when the column's collation is not its type's default. */
  collation: string | null;
}

export interface ConstraintDef {
  name: string;
  /** p primary key, u unique, x exclusion, c check, f foreign key */
  type: 'p' | 'u' | 'x' | 'c' | 'f';
  def: string;
}

export interface Grant {
  /** Role name, or PUBLIC. */
  grantee: string;
  privilege: string;
  grantable: boolean;
}

export interface TableDef {
  name: string;
  unlogged: boolean;
  owner: string;
  columns: ColumnDef[];
  primaryKey: { columns: string[]; kinds: (KeyKind | null)[] } | null;
  constraints: ConstraintDef[];
  /** Indexes that back no constraint: pg_get_indexdef(). */
  indexes: { name: string; def: string }[];
  grants: Grant[];
}

export interface SequenceDef {
  name: string;
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  lastValue: string;
  isCalled: boolean;
  /** serial (owned) or identity column it belongs to. */
  ownedBy: { table: string; column: string } | null;
  identity: boolean;
  owner: string;
  grants: Grant[];
}

export interface EnumDef {
  name: string;
  labels: string[];
  owner: string;
}

export interface SchemaStructure {
  /** Bumped when the shape of this record changes. */
  format: 1;
  schema: string;
  owner: string;
  schemaGrants: Grant[];
  enums: EnumDef[];
  sequences: SequenceDef[];
  tables: TableDef[];
}

/** The columns a data file holds, in order: every column but generated ones. */
export function dataColumns(t: TableDef): ColumnDef[] {
  return t.columns.filter((c) => c.generated === '');
}

/** Positions of the primary key's columns within the data columns. */
export function keyPositions(t: TableDef): number[] {
  const cols = dataColumns(t).map((c) => c.name);
  return (t.primaryKey?.columns ?? []).map((k) => cols.indexOf(k));
}

/** The key's kinds, for a table whose key is orderable in Node (keyedChanges). */
export function keyKinds(t: TableDef): KeyKind[] {
  return (t.primaryKey?.kinds ?? []).map((k) => {
    if (!k) throw new Error(`table ${t.name}: its key cannot be ordered outside Postgres`);
    return k;
  });
}

/** Whether an incremental can store this table as keyed changes (every key column orderable in Node). */
export function keyedChanges(t: TableDef): boolean {
  return !!t.primaryKey && t.primaryKey.kinds.every((k) => k !== null);
}

/**
 * What an incremental's data files depend on: tables, their data columns and keys. Indexes,
 * constraints and grants may change between backups (the restore uses the newest).
 */
export function dataShape(s: SchemaStructure): unknown {
  return s.tables.map((t) => ({
    name: t.name,
    columns: dataColumns(t).map((c) => [c.name, c.type]),
    key: t.primaryKey?.columns ?? null,
  }));
}
