import { createHash, randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream';
import type { PoolClient } from 'pg';
import {
  assertBackupId,
  newBackupId,
  type BackupChain,
  type BackupKind,
  type BackupRecord,
  type BackupTable,
} from '../../domain/backups/backup';
import { selectChain } from '../../domain/backups/backup-chain';
import { DomainError } from '../../domain/errors';
import { assertTenantId } from './tenant-input';
import type { BackupCatalog, FinishedBackup } from '../../ports/backup-catalog';
import type { BackupStorage } from '../../ports/backup-storage';
import type { BackupRequest } from '../../ports/target-system';
import { putGzipped } from './backup-files';
import { chainRows } from './chain-rows';
import { liveSchemaOf } from './control-schema';
import { copyOut } from './copy-io';
import { bytesOf, digestTap, linesOf, RowDigest } from './copy-text';
import { Keyer } from './pk-order';
import { diffRows } from './row-merge';
import {
  dataShape,
  keyedChanges,
  keyKinds,
  keyPositions,
  type SchemaStructure,
  type TableDef,
} from './structure';
import { captureStructure } from './structure-capture';
import { beginSql, setSearchPath, type TargetDb } from './target-db';
import { runTasks } from './tasks';

export interface BackupContext {
  db: TargetDb;
  storage: BackupStorage;
  catalog: BackupCatalog;
  schemaPattern: string;
  host: string;
  /** Connections sharing the snapshot (tables dumped in parallel); 1 on PGlite. */
  concurrency: number;
}

/**
 * Takes one backup: recorded `running`, files written, then `complete` with its tables' row
 * counts and checksums (or `failed` with the reason). A complete backup with the requested id
 * is returned as it is.
 */
export async function takeBackup(ctx: BackupContext, req: BackupRequest): Promise<BackupRecord> {
  assertTenantId(req.tenant);
  if (req.id) {
    assertBackupId(req.id);
    const done = await ctx.catalog.get(req.tenant, req.id);
    if (done?.status === 'complete') return done;
  }
  const plan = await planKind(ctx, req);
  const startedAt = new Date();
  const id =
    req.id ?? newBackupId(req.tenant, plan.kind, startedAt, randomBytes(2).toString('hex'));
  await ctx.catalog.begin({
    id,
    tenantId: req.tenant,
    kind: plan.kind,
    parentId: plan.parent?.at(-1)?.id ?? null,
    host: ctx.host,
    storage: ctx.storage.location,
    startedAt,
  });
  try {
    const finished = await snapshot(ctx, req.tenant, id, plan.parent, plan.note);
    await ctx.catalog.complete(req.tenant, id, finished);
  } catch (err) {
    await ctx.catalog.fail(req.tenant, id, (err as Error).message).catch(() => undefined);
    throw err;
  }
  return (await ctx.catalog.get(req.tenant, id))!;
}

async function planKind(
  ctx: BackupContext,
  req: BackupRequest,
): Promise<{ kind: BackupKind; parent?: BackupChain; note: string | null }> {
  if (req.kind === 'full') return { kind: 'full', note: null };
  const list = await ctx.catalog.listOf(req.tenant);
  if (!req.parentId && !list.some((b) => b.status === 'complete'))
    return { kind: 'full', note: 'no complete backup to diff against: taken as a full backup' };
  const parent = selectChain(
    req.tenant,
    list,
    req.parentId ? { backupId: req.parentId } : 'latest',
  );
  return { kind: 'incremental', parent, note: null };
}

async function snapshot(
  ctx: BackupContext,
  tenant: string,
  id: string,
  parentChain: BackupChain | undefined,
  note: string | null,
): Promise<FinishedBackup> {
  // Asked before the snapshot opens: on PGlite no other connection gets in while it is open.
  const { pglite } = await ctx.db.capabilities();
  const main = await ctx.db.connect();
  const others: PoolClient[] = [];
  let ok = false;
  try {
    await main.query(beginSql({ isolation: 'repeatable read', readOnly: true }));
    const { rows } = await main.query<{ at: Date }>('SELECT clock_timestamp() AS at');
    const snapshotAt = rows[0]!.at;
    const routing = await liveSchemaOf(main, ctx.schemaPattern, tenant);
    await setSearchPath(main, routing.schema);
    await lockAgainstDdl(main, routing.schema);
    const structure = await captureStructure(main, routing.schema);
    refuseKeyless(structure);
    const shape = sha256(JSON.stringify(dataShape(structure)));
    const parent = parentChain?.at(-1);
    if (parent && parent.structureSha256 !== shape) {
      note = `the tables changed since ${parent.id} (columns, keys or tables): taken as a full backup`;
      parentChain = undefined;
    }
    const workers = [main, ...(pglite ? [] : await shareSnapshot(ctx, main, structure, others))];
    const prefix = `${tenant}/${id}`;
    const order = await largestFirst(main, structure);
    const done = await runTasks(order, workers, (c, t) =>
      dumpTable(ctx, c, routing.schema, t, `${prefix}/${fileStem(structure, t)}`, parentChain),
    );
    const tables = structure.tables.map((t) => done[order.indexOf(t)]!);
    const structureFile = await putGzipped(ctx.storage, `${prefix}/structure.json.gz`, [
      Buffer.from(JSON.stringify(structure)),
    ]);
    for (const c of [...others, main]) await c.query('COMMIT');
    ok = true;
    return {
      kind: parentChain ? 'incremental' : 'full',
      parentId: parentChain?.at(-1)?.id ?? null,
      sourceSchema: routing.schema,
      schemaVersion: routing.version,
      snapshotAt,
      finishedAt: new Date(),
      bytes: tables.reduce((n, t) => n + t.file.bytes, structureFile.bytes),
      tables,
      structure: structureFile,
      structureSha256: shape,
      note,
    };
  } finally {
    for (const c of [...others, main]) {
      if (!ok) await c.query('ROLLBACK').catch(() => undefined);
      c.release();
    }
  }
}

/**
 * ACCESS SHARE on every table, as pg_dump takes: writes go on, but DDL (a migration) waits until
 * the backup ends, so the structure read from the catalogs matches the rows read in the snapshot.
 */
async function lockAgainstDdl(c: PoolClient, schema: string): Promise<void> {
  const { rows } = await c.query<{ name: string }>(
    `SELECT format('%I.%I', $1::text, relname) AS name FROM pg_class
     WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND relkind = 'r'`,
    [schema],
  );
  if (rows.length)
    await c.query(`LOCK TABLE ${rows.map((r) => r.name).join(', ')} IN ACCESS SHARE MODE`);
}

function refuseKeyless(s: SchemaStructure): void {
  const keyless = s.tables.filter((t) => !t.primaryKey).map((t) => t.name);
  if (keyless.length)
    throw new DomainError(
      'table_without_primary_key',
      `schema ${s.schema} has tables without a primary key, which a backup cannot order or diff: ${keyless.join(', ')} (add a primary key)`,
    );
}

/** More connections on the same snapshot (pg_export_snapshot), where the server can. */
async function shareSnapshot(
  ctx: BackupContext,
  main: PoolClient,
  s: SchemaStructure,
  into: PoolClient[],
): Promise<PoolClient[]> {
  const n = Math.min(ctx.concurrency, s.tables.length) - 1;
  if (n <= 0) return [];
  const { rows } = await main.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
  for (let i = 0; i < n; i++) {
    const c = await ctx.db.connect();
    into.push(c);
    await c.query(
      beginSql({ isolation: 'repeatable read', readOnly: true, snapshot: rows[0]!.id }),
    );
  }
  return into;
}

async function largestFirst(c: PoolClient, s: SchemaStructure): Promise<TableDef[]> {
  const { rows } = await c.query<{ name: string; size: string }>(
    `SELECT c.relname AS name, pg_relation_size(c.oid)::text AS size FROM pg_class c
     WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND c.relkind = 'r'`,
    [s.schema],
  );
  const size = new Map(rows.map((r) => [r.name, Number(r.size)]));
  return [...s.tables].sort((a, b) => (size.get(b.name) ?? 0) - (size.get(a.name) ?? 0));
}

function fileStem(s: SchemaStructure, t: TableDef): string {
  const i = s.tables.indexOf(t);
  return `${String(i).padStart(3, '0')}-${t.name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60)}`;
}

async function dumpTable(
  ctx: BackupContext,
  c: PoolClient,
  schema: string,
  t: TableDef,
  stem: string,
  parentChain: BackupChain | undefined,
): Promise<BackupTable> {
  if (parentChain && keyedChanges(t)) return dumpChanges(ctx, c, schema, t, stem, parentChain);
  const digest = new RowDigest();
  const rows = pipeline(copyOut(c, schema, t), digestTap(digest), () => undefined);
  const storage = parentChain ? 'whole' : 'rows';
  const file = await putGzipped(ctx.storage, `${stem}.${storage}.gz`, rows);
  return { name: t.name, rows: digest.rows, sha256: digest.digest(), storage, file };
}

/** An incremental's table: the live rows diffed by key against the parent's rebuilt rows. */
async function dumpChanges(
  ctx: BackupContext,
  c: PoolClient,
  schema: string,
  t: TableDef,
  stem: string,
  parentChain: BackupChain,
): Promise<BackupTable> {
  const keyer = new Keyer(keyPositions(t), keyKinds(t));
  const before = new RowDigest();
  const now = new RowDigest();
  const counts = { upserts: 0, deletes: 0 };
  const taps = {
    parent: (l: Buffer) => before.updateLine(l),
    current: (l: Buffer) => now.updateLine(l),
    counts,
  };
  const parentRows = chainRows(ctx.storage, parentChain, t.name, keyer);
  const live = linesOf(copyOut(c, schema, t), `live rows of ${t.name}`);
  const changes = diffRows(parentRows, live, keyer, taps, `table ${t.name}`);
  const file = await putGzipped(ctx.storage, `${stem}.changes.gz`, bytesOf(changes));
  const parent = parentChain.at(-1)!;
  const expected = parent.tables.find((x) => x.name === t.name);
  if (expected?.sha256 !== before.digest() || expected.rows !== before.rows)
    throw new DomainError(
      'backup_chain_corrupt',
      `the chain of ${parent.id} does not rebuild table ${t.name} as recorded ` +
        `(${before.rows} rows, recorded ${expected?.rows ?? 'none'}): take a full backup`,
    );
  return {
    name: t.name,
    rows: now.rows,
    sha256: now.digest(),
    storage: 'changes',
    file,
    ...counts,
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
