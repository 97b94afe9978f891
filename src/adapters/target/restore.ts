import type { PoolClient } from 'pg';
import type { BackupChain, BackupRecord } from '../../domain/backups/backup';
import { assertSchemaName } from '../../domain/backups/tenant-schema';
import { DomainError } from '../../domain/errors';
import type { BackupStorage } from '../../ports/backup-storage';
import type { RestoreResult } from '../../ports/target-system';
import { readSmallFile } from './backup-files';
import { chainBytes } from './chain-rows';
import { routingOf, schemaExists } from './control-schema';
import { copyIn } from './copy-io';
import { RowDigest } from './copy-text';
import { Keyer } from './pk-order';
import { guardDroppable, markSchema } from './routing';
import {
  keyedChanges,
  keyKinds,
  keyPositions,
  type Grant,
  type SchemaStructure,
  type TableDef,
} from './structure';
import { grantsIn } from './structure-objects';
import {
  checkAndForeignKeyStatements,
  createStatements,
  indexStatements,
  ownerAndGrantStatements,
  sequenceStatements,
} from './structure-ddl';
import { beginSql, quoteIdent, setSearchPath, type TargetDb } from './target-db';
import { runTasks } from './tasks';
import { assertTenantId } from './tenant-input';

export interface RestoreContext {
  db: TargetDb;
  storage: BackupStorage;
  schemaPattern: string;
  appRole: string;
  concurrency: number;
}

/** Index builds sort in memory up to this, per connection (the server's default is 64 MB). */
const INDEX_MEMORY = '256MB';
const APP_WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']);

/** Reads a backup's structure file. */
export async function structureOf(
  storage: BackupStorage,
  b: BackupRecord,
): Promise<SchemaStructure> {
  if (!b.structure)
    throw new DomainError('backup_not_complete', `backup ${b.id} has no structure file`);
  return JSON.parse(
    (await readSmallFile(storage, b.structure, b)).toString('utf8'),
  ) as SchemaStructure;
}

/**
 * Rebuilds the chain's last snapshot into `into`: tables, the rows (full + incrementals merged
 * by key in one pass, loaded with COPY), then keys and indexes, checks and foreign keys,
 * sequences past their max ids, owners and grants (the app role's writes excepted: resume
 * gives them back). A schema left by an earlier attempt is dropped first.
 */
export async function restoreInto(
  ctx: RestoreContext,
  tenant: string,
  chain: BackupChain,
  into: string,
): Promise<RestoreResult> {
  assertTenantId(tenant);
  assertSchemaName(into);
  const last = chain.at(-1);
  if (!last || chain.some((b) => b.tenantId !== tenant || b.status !== 'complete'))
    throw new DomainError('backup_chain_broken', `not a complete chain of ${tenant}'s backups`);
  const structure = await structureOf(ctx.storage, last);
  const pglite = (await ctx.db.capabilities()).pglite;
  await ctx.db.tx(async (c) => {
    await guardDroppable(c, into);
    await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(into)} CASCADE`);
    await setSearchPath(c, into);
    for (const sql of createStatements(structure, into)) await c.query(sql);
    await markSchema(c, into, tenant, `restore of ${last.id}`);
  });
  let bytesRead = 0;
  const workers = await connections(ctx, pglite ? 1 : ctx.concurrency);
  try {
    const order = [...structure.tables].sort((a, b) => sizeIn(chain, b) - sizeIn(chain, a));
    const loaded = await runTasks(order, workers, (c, t) =>
      inTx(c, into, () =>
        loadTable(ctx, c, pglite, chain, into, t, (n) => {
          bytesRead += n;
        }),
      ),
    );
    await runTasks(order, workers, (c, t) =>
      inTx(c, into, async () => {
        await c.query(`SELECT set_config('maintenance_work_mem', $1, true)`, [INDEX_MEMORY]);
        for (const sql of indexStatements(t)) await c.query(sql);
      }),
    );
    await inTx(workers[0]!, into, () => finish(ctx, workers[0]!, tenant, structure, into));
    return {
      schema: into,
      backupId: last.id,
      tables: structure.tables.map((t) => ({ name: t.name, rows: loaded[order.indexOf(t)]! })),
      bytesRead,
    };
  } finally {
    for (const c of workers) c.release();
  }
}

async function connections(ctx: RestoreContext, n: number): Promise<PoolClient[]> {
  const out: PoolClient[] = [];
  try {
    for (let i = 0; i < Math.max(1, n); i++) out.push(await ctx.db.connect());
  } catch (err) {
    for (const c of out) c.release();
    throw err;
  }
  return out;
}

async function inTx<T>(c: PoolClient, schema: string, fn: () => Promise<T>): Promise<T> {
  await c.query(beginSql({ searchPath: schema }));
  try {
    // Re-runnable from scratch, so the load need not wait for each commit's flush.
    await c.query(`SELECT set_config('synchronous_commit', 'off', true)`);
    const result = await fn();
    await c.query('COMMIT');
    return result;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

function sizeIn(chain: BackupChain, t: TableDef): number {
  return chain.reduce((n, b) => n + (b.tables.find((x) => x.name === t.name)?.file.bytes ?? 0), 0);
}

/** One table's rows, checked against the catalog's count and SHA-256 as they stream in. */
async function loadTable(
  ctx: RestoreContext,
  c: PoolClient,
  pglite: boolean,
  chain: BackupChain,
  into: string,
  t: TableDef,
  onRawBytes: (n: number) => void,
): Promise<number> {
  const last = chain.at(-1)!;
  const expected = last.tables.find((x) => x.name === t.name);
  if (!expected)
    throw new DomainError('backup_chain_broken', `backup ${last.id} lacks table ${t.name}`);
  const keyer = keyedChanges(t) ? new Keyer(keyPositions(t), keyKinds(t)) : undefined;
  const digest = new RowDigest();
  const source = chainBytes(ctx.storage, chain, t.name, keyer, onRawBytes);
  async function* digested() {
    for await (const chunk of source) {
      digest.update(chunk);
      yield chunk;
    }
  }
  await c.query(`TRUNCATE ${quoteIdent(into)}.${quoteIdent(t.name)}`);
  await copyIn(c, pglite, into, t, digested());
  const sha = digest.digest();
  if (digest.rows !== expected.rows || sha !== expected.sha256)
    throw new DomainError(
      'restore_mismatch',
      `table ${t.name} rebuilt from ${chain.map((b) => b.id).join(' + ')} has ${digest.rows} rows ` +
        `(SHA-256 ${sha.slice(0, 12)}…) where ${last.id} recorded ${expected.rows} (${expected.sha256.slice(0, 12)}…)`,
    );
  return digest.rows;
}

/** Checks, foreign keys, sequences, owners and grants. */
async function finish(
  ctx: RestoreContext,
  c: PoolClient,
  tenant: string,
  s: SchemaStructure,
  into: string,
): Promise<void> {
  for (const sql of checkAndForeignKeyStatements(s)) await c.query(sql);
  for (const sql of sequenceStatements(s)) await c.query(sql);
  const grants = await grantSource(c, ctx.schemaPattern, tenant, s);
  const { rows: roles } = await c.query<{ rolname: string; mine: boolean }>(
    `SELECT rolname, pg_has_role(current_user, oid, 'MEMBER') AS mine FROM pg_roles`,
  );
  const statements = ownerAndGrantStatements(
    s,
    into,
    new Set(roles.filter((r) => r.mine).map((r) => r.rolname)),
    new Set(roles.map((r) => r.rolname)),
    grants,
    (g) => g.grantee === ctx.appRole && APP_WRITES.has(g.privilege),
  );
  for (const sql of statements) await c.query(sql);
}

/**
 * Grants as the live schema has them now (the backup's own record when the live schema is
 * gone): a restore must not bring back access that was withdrawn since the backup.
 */
async function grantSource(
  c: PoolClient,
  pattern: string,
  tenant: string,
  s: SchemaStructure,
): Promise<(name: string, kind: 'schema' | 'table' | 'sequence') => Grant[]> {
  const live = (await routingOf(c, pattern, tenant)).schema;
  if (!(await schemaExists(c, live))) {
    return (name, kind) =>
      kind === 'schema'
        ? s.schemaGrants
        : kind === 'table'
          ? (s.tables.find((t) => t.name === name)?.grants ?? [])
          : (s.sequences.find((q) => q.name === name)?.grants ?? []);
  }
  const { rows } = await c.query<{ oid: number }>(
    'SELECT oid FROM pg_namespace WHERE nspname = $1',
    [live],
  );
  const byName = await grantsIn(c, rows[0]!.oid);
  return (name, kind) => byName.get(kind === 'schema' ? '' : name) ?? [];
}
