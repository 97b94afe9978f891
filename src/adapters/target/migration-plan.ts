import { DomainError } from '../../domain/errors';
import type { TableChange } from '../../ports/target-migrations';
import type { ColumnDef, SchemaStructure, TableDef } from './structure';
import { quoteIdent } from './target-db';

/** A column carried from one schema's table to the other's (by name). */
export interface CarriedColumn {
  name: string;
  /** Its type in the old (live) schema and in the shadow, as format_type printed them. */
  oldType: string;
  newType: string;
  /** Same type on both sides: compared by checksum. */
  same: boolean;
}

/** How one table kept by the migration is copied and replayed. */
export interface TablePlan {
  name: string;
  /** Primary key columns (the same on both sides) and their built-in types. */
  key: string[];
  keyTypes: string[];
  columns: CarriedColumn[];
  /** Identity ALWAYS columns among the carried ones, per side (inserts override them). */
  identityAlways: { old: boolean; shadow: boolean };
  /** Some foreign key of the shadow (resp. old schema) points at it: replayed by upsert. */
  referenced: { old: boolean; shadow: boolean };
}

export interface MigrationPlan {
  /** Kept tables, parents before the tables whose foreign keys point at them. */
  tables: TablePlan[];
  changes: TableChange[];
  /** Enum type names per side: their values cross schemas as text. */
  enums: { old: Set<string>; shadow: Set<string> };
}

export type Side = 'old' | 'shadow';

/**
 * What a migration changed, read off the live schema's and the shadow's structures; refuses
 * what the key-by-key copy cannot carry (a table without primary key, a key that changed).
 */
export function planMigration(live: SchemaStructure, shadow: SchemaStructure): MigrationPlan {
  const enums = {
    old: new Set(live.enums.map((e) => e.name)),
    shadow: new Set(shadow.enums.map((e) => e.name)),
  };
  const changes: TableChange[] = [];
  const tables: TablePlan[] = [];
  for (const t of live.tables) {
    const s = shadow.tables.find((x) => x.name === t.name);
    if (!s) {
      changes.push({
        name: t.name,
        change: 'dropped',
        addedColumns: [],
        droppedColumns: [],
        convertedColumns: [],
      });
      continue;
    }
    const plan = tablePlan(t, s, enums.old);
    tables.push(plan);
    changes.push({
      name: t.name,
      change: 'kept',
      addedColumns: s.columns
        .filter((c) => !t.columns.some((o) => o.name === c.name))
        .map((c) => c.name),
      droppedColumns: t.columns
        .filter((c) => !s.columns.some((n) => n.name === c.name))
        .map((c) => c.name),
      convertedColumns: plan.columns.filter((c) => !c.same).map((c) => c.name),
    });
  }
  for (const s of shadow.tables.filter((x) => !live.tables.some((t) => t.name === x.name)))
    changes.push({
      name: s.name,
      change: 'added',
      addedColumns: [],
      droppedColumns: [],
      convertedColumns: [],
    });
  const order = parentsFirst(tables, [...referencesIn(shadow), ...referencesIn(live)]);
  const refOld = new Set(referencesIn(live).map(([, parent]) => parent));
  const refShadow = new Set(referencesIn(shadow).map(([, parent]) => parent));
  for (const t of order) t.referenced = { old: refOld.has(t.name), shadow: refShadow.has(t.name) };
  return { tables: order, changes, enums };
}

function tablePlan(t: TableDef, s: TableDef, oldEnums: Set<string>): TablePlan {
  if (!t.primaryKey)
    throw new DomainError(
      'table_without_primary_key',
      `table ${t.name} has no primary key: tenant-migrate replays changes by key (add one first)`,
    );
  const key = t.primaryKey.columns;
  const same = s.primaryKey && [...s.primaryKey.columns].sort().join() === [...key].sort().join();
  if (!same)
    throw new DomainError(
      'migration_changes_key',
      `the migration changes the primary key of ${t.name} (${key.join(', ')} → ${s.primaryKey?.columns.join(', ') ?? 'none'}): tenant-migrate copies and replays rows by key, so a key change needs its own procedure`,
    );
  const keyTypes = key.map((k) => t.columns.find((c) => c.name === k)!.type);
  const local = keyTypes.find((ty) => isLocal(ty, oldEnums));
  if (local)
    throw new DomainError(
      'migration_key_type',
      `the primary key of ${t.name} is of the schema's own type ${local}: tenant-migrate replays keys of built-in types only`,
    );
  const columns: CarriedColumn[] = [];
  for (const c of t.columns) {
    const n = s.columns.find((x) => x.name === c.name);
    // A generated column is computed where it lands; it is never copied into.
    if (!n || n.generated || c.generated) continue;
    columns.push({ name: c.name, oldType: c.type, newType: n.type, same: c.type === n.type });
  }
  const always = (def: TableDef) =>
    columns.some((c) => def.columns.find((x: ColumnDef) => x.name === c.name)?.identity === 'a');
  return {
    name: t.name,
    key,
    keyTypes,
    columns,
    identityAlways: { old: always(t), shadow: always(s) },
    referenced: { old: false, shadow: false },
  };
}

/** [child, parent] table pairs of the schema's foreign keys within it. */
function referencesIn(s: SchemaStructure): [string, string][] {
  const out: [string, string][] = [];
  for (const t of s.tables)
    for (const k of t.constraints.filter((x) => x.type === 'f')) {
      const m = /REFERENCES\s+("(?:[^"]|"")+"|[^\s(.]+)\s*\(/.exec(k.def);
      if (!m?.[1]) continue;
      const parent = m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1];
      if (parent !== t.name) out.push([t.name, parent]);
    }
  return out;
}

/** Topological order; a cycle leaves its tables in name order after the rest. */
function parentsFirst(tables: TablePlan[], refs: [string, string][]): TablePlan[] {
  const names = new Set(tables.map((t) => t.name));
  const pending = [...tables].sort((a, b) => a.name.localeCompare(b.name));
  const done = new Set<string>();
  const out: TablePlan[] = [];
  let progressed = true;
  while (pending.length && progressed) {
    progressed = false;
    for (const t of [...pending]) {
      const parents = refs
        .filter(([child, p]) => child === t.name && names.has(p))
        .map(([, p]) => p);
      if (parents.every((p) => done.has(p))) {
        out.push(t);
        done.add(t.name);
        pending.splice(pending.indexOf(t), 1);
        progressed = true;
      }
    }
  }
  return [...out, ...pending];
}

/** A schema's own type (enum, or an array of one), which names differ between schemas. */
export function isLocal(type: string, enums: Set<string>): boolean {
  const base = type.replace(/(\[\])+$/, '');
  const bare = base.startsWith('"') ? base.slice(1, -1).replace(/""/g, '"') : base;
  return enums.has(bare);
}

/**
 * The value of column `c` of row alias `alias` on side `from`, as the other side's type: the
 * same expression when the type is the same built-in one; through text for a schema's own enum
 * (two schemas' enums are distinct types); else an explicit cast.
 */
export function carryExpr(
  plan: MigrationPlan,
  c: CarriedColumn,
  alias: string,
  from: Side,
): string {
  const col = `${alias}.${quoteIdent(c.name)}`;
  const [src, dst] = from === 'old' ? [c.oldType, c.newType] : [c.newType, c.oldType];
  const to = from === 'old' ? 'shadow' : 'old';
  const srcLocal = isLocal(src, plan.enums[from]);
  const dstLocal = isLocal(dst, plan.enums[to]);
  if (srcLocal) return `CAST(CAST(${col} AS text) AS ${dst})`;
  if (src !== dst || dstLocal) return `CAST(${col} AS ${dst})`;
  return col;
}

/** The key columns of a table as a row constructor over `alias`. */
export function keyTuple(t: TablePlan, alias: string): string {
  return `(${t.key.map((k) => `${alias}.${quoteIdent(k)}`).join(', ')})`;
}

/** The key values of captured changes (jsonb arrays in `r.key`), typed, for `IN (...)`. */
export function capturedKeys(t: TablePlan, from: string): string {
  const cols = t.key.map((_, i) => `CAST(r.key->>${i} AS ${t.keyTypes[i]!})`);
  return `SELECT ${cols.join(', ')} FROM ${from} r WHERE r.table_name = ${literal(t.name)} AND r.key IS NOT NULL`;
}

/** `jsonb_build_array(k."id", ...)`: the key of transition row `k`, as the trigger records it. */
export function captureKeyExpr(t: TablePlan): string {
  return `jsonb_build_array(${t.key.map((k) => `k.${quoteIdent(k)}`).join(', ')})`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
