import type { PoolClient } from 'pg';
import type { BackupRecord } from '../../domain/backups/backup';
import type { BackupStorage } from '../../ports/backup-storage';
import type { TableCheck, ValidationReport } from '../../ports/target-system';
import { schemaExists } from './control-schema';
import { copyOut } from './copy-io';
import { RowDigest } from './copy-text';
import { structureOf } from './restore';
import type { SchemaStructure } from './structure';
import { beginSql, quoteIdent, type TargetDb } from './target-db';
import { runTasks } from './tasks';

export interface ValidateContext {
  db: TargetDb;
  storage: BackupStorage;
  concurrency: number;
}

/**
 * Reads the restored schema back: every table's rows (COPY, primary-key order) against the
 * catalog's count and SHA-256; every constraint and index of the backup present and valid (a
 * validated foreign key is one Postgres checked row by row when it was added); sequences at or
 * past the largest id of their column.
 */
export async function validate(
  ctx: ValidateContext,
  schema: string,
  backup: BackupRecord,
  only?: readonly string[],
): Promise<ValidationReport> {
  const full = await structureOf(ctx.storage, backup);
  const structure: SchemaStructure = only
    ? {
        ...full,
        tables: full.tables.filter((t) => only.includes(t.name)),
        sequences: full.sequences.filter((q) => !q.ownedBy || only.includes(q.ownedBy.table)),
      }
    : full;
  const report: ValidationReport = {
    schema,
    backupId: backup.id,
    ok: false,
    tables: [],
    problems: [],
  };
  const present = await ctx.db.tx((c) => schemaExists(c, schema));
  if (!present) {
    report.problems.push(`schema ${schema} does not exist`);
    return report;
  }
  const pglite = (await ctx.db.capabilities()).pglite;
  const workers: PoolClient[] = [];
  try {
    const n = pglite ? 1 : Math.max(1, Math.min(ctx.concurrency, structure.tables.length));
    for (let i = 0; i < n; i++) workers.push(await ctx.db.connect());
    report.tables = await runTasks(structure.tables, workers, (c, t) =>
      checkTable(c, schema, t, backup),
    );
  } finally {
    for (const c of workers) c.release();
  }
  for (const t of report.tables.filter((x) => !x.ok))
    report.problems.push(
      `table ${t.name}: ${t.rows ?? 'no'} rows (SHA-256 ${t.sha256?.slice(0, 12) ?? '-'}…), ` +
        `expected ${t.expectedRows} (${t.expectedSha256.slice(0, 12)}…)`,
    );
  report.problems.push(
    ...(await ctx.db.tx((c) => structureProblems(c, schema, structure), { searchPath: schema })),
  );
  report.ok = report.problems.length === 0;
  return report;
}

export async function checkTable(
  c: PoolClient,
  schema: string,
  t: SchemaStructure['tables'][number],
  backup: BackupRecord,
): Promise<TableCheck> {
  const expected = backup.tables.find((x) => x.name === t.name);
  const check: TableCheck = {
    name: t.name,
    expectedRows: expected?.rows ?? 0,
    rows: null,
    expectedSha256: expected?.sha256 ?? '',
    sha256: null,
    ok: false,
  };
  await c.query(beginSql({ isolation: 'repeatable read', readOnly: true }));
  try {
    const exists = await c.query(
      `SELECT 1 FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
       AND relname = $2 AND relkind = 'r'`,
      [schema, t.name],
    );
    if (exists.rows.length) {
      const digest = new RowDigest();
      for await (const chunk of copyOut(c, schema, t)) digest.update(chunk as Buffer);
      check.rows = digest.rows;
      check.sha256 = digest.digest();
      check.ok = !!expected && check.rows === expected.rows && check.sha256 === expected.sha256;
    }
  } finally {
    await c.query('COMMIT');
  }
  return check;
}

export async function structureProblems(
  c: PoolClient,
  schema: string,
  s: SchemaStructure,
): Promise<string[]> {
  const problems: string[] = [];
  const { rows: cons } = await c.query<{ tbl: string; name: string; valid: boolean }>(
    `SELECT r.relname AS tbl, k.conname AS name, k.convalidated AS valid
     FROM pg_constraint k JOIN pg_class r ON r.oid = k.conrelid
     WHERE r.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)`,
    [schema],
  );
  const { rows: idx } = await c.query<{ name: string; valid: boolean }>(
    `SELECT ic.relname AS name, i.indisvalid AS valid FROM pg_index i
     JOIN pg_class ic ON ic.oid = i.indexrelid
     WHERE ic.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)`,
    [schema],
  );
  for (const t of s.tables) {
    for (const k of t.constraints) {
      const found = cons.find((x) => x.tbl === t.name && x.name === k.name);
      if (!found) problems.push(`constraint ${k.name} of ${t.name} is missing`);
      else if (!found.valid) problems.push(`constraint ${k.name} of ${t.name} is not validated`);
    }
    for (const i of t.indexes) {
      const found = idx.find((x) => x.name === i.name);
      if (!found) problems.push(`index ${i.name} of ${t.name} is missing`);
      else if (!found.valid) problems.push(`index ${i.name} of ${t.name} is not valid`);
    }
  }
  for (const q of s.sequences.filter((q) => q.ownedBy && !q.increment.startsWith('-'))) {
    const { rows } = await c.query<{ behind: boolean | null; last: string; max: string | null }>(
      `SELECT s.last_value::text AS last, m.max::text AS max,
              m.max IS NOT NULL AND (s.last_value < m.max OR (s.last_value = m.max AND NOT s.is_called)) AS behind
       FROM ${quoteIdent(schema)}.${quoteIdent(q.name)} s,
            (SELECT max(${quoteIdent(q.ownedBy!.column)})::numeric AS max
             FROM ${quoteIdent(schema)}.${quoteIdent(q.ownedBy!.table)}) m`,
    );
    if (rows[0]?.behind)
      problems.push(
        `sequence ${q.name} is at ${rows[0].last}, not past the largest ${q.ownedBy!.table}.${q.ownedBy!.column} (${rows[0].max})`,
      );
  }
  return problems;
}
