import type { PoolClient } from 'pg';
import type { BackupRecord } from '../../domain/backups/backup';
import { DomainError } from '../../domain/errors';
import {
  isDamaged,
  type IntegrityReport,
  type TableIntegrity,
} from '../../domain/target/integrity';
import type { BackupCatalog } from '../../ports/backup-catalog';
import type { BackupStorage } from '../../ports/backup-storage';
import type { IntegrityRequest } from '../../ports/integrity';
import { liveSchemaOf } from './control-schema';
import { indexChecks, orphanChecks } from './integrity-scan';
import { structureOf } from './restore';
import type { SchemaStructure } from './structure';
import { quoteIdent, type TargetDb } from './target-db';
import { runTasks } from './tasks';
import { assertTenantId } from './tenant-input';
import { checkTable, structureProblems } from './validate';

export interface IntegrityContext {
  db: TargetDb;
  storage: BackupStorage;
  catalog: BackupCatalog;
  schemaPattern: string;
  concurrency: number;
}

/** The tenant's newest complete backup, or the one asked for (its own only). */
async function backupFor(
  ctx: IntegrityContext,
  tenant: string,
  id: string | undefined,
): Promise<BackupRecord | null> {
  const list = (await ctx.catalog.listOf(tenant)).filter((b) => b.status === 'complete');
  if (!id) return list[0] ?? null;
  const b = list.find((x) => x.id === id);
  if (!b) throw new DomainError('backup_not_found', `no complete backup ${id} of tenant ${tenant}`);
  return b;
}

async function liveTables(c: PoolClient, schema: string): Promise<Set<string>> {
  const { rows } = await c.query<{ name: string }>(
    `SELECT relname AS name FROM pg_class
     WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND relkind IN ('r', 'p')`,
    [schema],
  );
  return new Set(rows.map((r) => r.name));
}

function assertKnown(names: readonly string[], known: Set<string>, key: string, tenant: string) {
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length)
    throw new DomainError(
      'unknown_table',
      `${key}=${unknown.join(',')}: tenant ${tenant} has no such table (its tables: ${[...known].sort().join(', ')})`,
    );
}

/**
 * Row counts and SHA-256 of the live tables against the newest backup, the backup's constraints,
 * indexes and sequences, a scan for orphaned foreign keys, and amcheck where installed. Reads
 * only; the report names the damaged tables.
 */
export async function verifyIntegrity(
  ctx: IntegrityContext,
  tenant: string,
  req: IntegrityRequest = {},
): Promise<IntegrityReport> {
  assertTenantId(tenant);
  const { schema, live } = await ctx.db.tx(async (c) => {
    const { schema } = await liveSchemaOf(c, ctx.schemaPattern, tenant);
    return { schema, live: await liveTables(c, schema) };
  });
  const backup = await backupFor(ctx, tenant, req.backupId);
  const structure = backup ? await structureOf(ctx.storage, backup) : null;
  const known = new Set([...live, ...(structure?.tables.map((t) => t.name) ?? [])]);
  assertKnown(req.tables ?? [], known, 'tables', tenant);
  assertKnown(req.unchanged ?? [], known, 'unchanged', tenant);
  const scope = new Set(req.tables?.length ? req.tables : known);
  const unchanged = new Set(req.unchanged ?? []);

  const tables = await compareTables(ctx, schema, [...scope].sort(), live, backup, structure);
  for (const t of tables) t.expectedUnchanged = unchanged.has(t.table);
  const { foreignKeys, amcheck, indexes } = await ctx.db.tx(
    async (c) => {
      const foreignKeys = await orphanChecks(c, schema, structure, scope);
      return { foreignKeys, ...(await indexChecks(c, schema, scope)) };
    },
    { isolation: 'repeatable read', readOnly: true },
  );
  const byName = new Map(tables.map((t) => [t.table, t]));
  for (const t of tables) {
    if (t.status === 'changed' && t.expectedUnchanged)
      t.problems.unshift(
        `changed since backup ${backup!.id} though the SaaS should not have changed it: ${t.backupRows} rows then, ${t.rows} now (checksums differ)`,
      );
    if (t.status === 'not_comparable' && t.expectedUnchanged)
      t.problems.unshift('could not be compared with the backup (its columns changed since)');
  }
  for (const fk of foreignKeys) {
    const t = byName.get(fk.table);
    if (t && fk.orphans)
      t.problems.push(
        `${fk.orphans} row${fk.orphans === 1 ? '' : 's'} whose ${fk.columns.join(', ')} names no row of ${fk.references} (${fk.constraint}, ${fk.source.replace('_', ' ')})`,
      );
  }
  for (const ix of indexes.filter((i) => !i.ok))
    byName.get(ix.table)?.problems.push(`index ${ix.index} is corrupt (amcheck): ${ix.error}`);
  const damaged = tables.filter(isDamaged).map((t) => t.table);
  return {
    tenant,
    schema,
    backupId: backup?.id ?? null,
    backupAt: backup?.snapshotAt ?? null,
    tables,
    foreignKeys,
    amcheck,
    indexes,
    damaged,
    ok: damaged.length === 0,
  };
}

async function compareTables(
  ctx: IntegrityContext,
  schema: string,
  names: string[],
  live: Set<string>,
  backup: BackupRecord | null,
  structure: SchemaStructure | null,
): Promise<TableIntegrity[]> {
  const pglite = (await ctx.db.capabilities()).pglite;
  const workers: PoolClient[] = [];
  try {
    const n = pglite ? 1 : Math.max(1, Math.min(ctx.concurrency, names.length));
    for (let i = 0; i < n; i++) workers.push(await ctx.db.connect());
    return await runTasks(names, workers, (c, name) =>
      compareTable(c, schema, name, live, backup, structure),
    );
  } finally {
    for (const c of workers) c.release();
  }
}

async function compareTable(
  c: PoolClient,
  schema: string,
  name: string,
  live: Set<string>,
  backup: BackupRecord | null,
  structure: SchemaStructure | null,
): Promise<TableIntegrity> {
  const def = structure?.tables.find((t) => t.name === name);
  const inBackup = backup?.tables.find((t) => t.name === name);
  const out: TableIntegrity = {
    table: name,
    status: 'no_backup',
    backupRows: inBackup?.rows ?? null,
    rows: null,
    expectedUnchanged: false,
    problems: [],
  };
  if (!live.has(name)) {
    out.status = 'missing';
    out.problems.push(`missing from ${schema} (${out.backupRows ?? '?'} rows in the backup)`);
    return out;
  }
  if (!def || !backup || !structure) {
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${quoteIdent(schema)}.${quoteIdent(name)}`,
    );
    out.rows = rows[0]?.n ?? 0;
    return out;
  }
  try {
    const check = await checkTable(c, schema, def, backup);
    out.rows = check.rows;
    out.status = check.ok ? 'matches_backup' : 'changed';
  } catch {
    // A column of the backup's table is gone or retyped: rows can't be compared line by line.
    out.status = 'not_comparable';
  }
  await c.query('BEGIN READ ONLY');
  try {
    const one = {
      ...structure,
      tables: [def],
      sequences: structure.sequences.filter((q) => q.ownedBy?.table === name),
    };
    out.problems.push(...(await structureProblems(c, schema, one)));
  } finally {
    await c.query('COMMIT');
  }
  return out;
}
