import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, type QueryResultRow } from 'pg';
import { migrate } from '../../src/adapters/postgres/migrator';
import { PgAccessStore } from '../../src/adapters/postgres/pg-access-store';
import { PgBackupCatalog } from '../../src/adapters/postgres/pg-backup-catalog';
import { seedDemoTenants, startDemoTarget } from '../../src/adapters/target/demo-target';
import { LocalBackupStorage } from '../../src/adapters/target/local-backup-storage';
import { PgTargetSystem } from '../../src/adapters/target/pg-target-system';
import { openTestDatabase, type TestDatabase } from './test-database';

export type TargetKind = 'postgres' | 'embedded';

/** Which target kinds run here: the embedded demo always, real Postgres with TEST_DATABASE_URL. */
export function targetKinds(): { kind: TargetKind; title: string; run: boolean }[] {
  const real = !!process.env.TEST_DATABASE_URL;
  return [
    {
      kind: 'postgres',
      title: real
        ? 'real Postgres target'
        : 'real Postgres target (not run: TEST_DATABASE_URL is unset)',
      run: real,
    },
    { kind: 'embedded', title: 'embedded demo target (PGlite)', run: true },
  ];
}

export interface TargetFixture {
  kind: TargetKind;
  target: PgTargetSystem;
  /** The target's URL (admin). */
  url: string;
  appRole: string;
  catalog: PgBackupCatalog;
  storage: LocalBackupStorage;
  storageDir: string;
  catalogDb: TestDatabase;
  /** A query as the admin (owner) on the target. */
  sql<R extends QueryResultRow = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ): Promise<R[]>;
  /** Statements run as the app role in one transaction (SET LOCAL ROLE), committed. */
  asApp(statements: string[]): Promise<void>;
  /** Another target system on the same database, reading migrations from `migrationsDir`. */
  system(migrationsDir: string): PgTargetSystem;
  close(): Promise<void>;
}

export const PATTERN = 'tenant_{id}';
export const TENANTS = ['acme', 'globex', 'initech'];

/**
 * A demo SaaS target of its own: on real Postgres a scratch database (`tgt_<uuid>`) and app role,
 * else an embedded demo target in a temp folder; plus a migrated catalog and a backup folder.
 */
export async function openTargetFixture(
  kind: TargetKind,
  opts: { migrationsDir?: string } = {},
): Promise<TargetFixture> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tenantops-target-'));
  const tag = randomUUID().replace(/-/g, '').slice(0, 12);
  const cleanups: (() => Promise<void>)[] = [() => rm(dir, { recursive: true, force: true })];
  let url: string;
  let appRole: string;
  if (kind === 'postgres') {
    const admin = process.env.TEST_DATABASE_URL!;
    appRole = `saas_app_${tag}`;
    const name = `tgt_${tag}`;
    await adminQuery(admin, `CREATE DATABASE ${name}`);
    const u = new URL(admin);
    u.pathname = `/${name}`;
    url = u.toString();
    cleanups.unshift(async () => {
      await adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await adminQuery(admin, `DROP ROLE IF EXISTS ${appRole}`);
    });
    await seedDemoTenants(url, { appRole, schemaPattern: PATTERN, tenants: TENANTS });
  } else {
    appRole = 'saas_app';
    const demo = await startDemoTarget(dir, { appRole, schemaPattern: PATTERN, tenants: TENANTS });
    url = demo.connectionString;
    cleanups.unshift(() => demo.stop());
  }
  const catalogDb = await openTestDatabase();
  await migrate(catalogDb.db);
  await new PgAccessStore(catalogDb.db).syncFromConfig(
    TENANTS.map((id) => ({ id, name: id, plan: 'default', commsChannel: null })),
    [],
  );
  const storageDir = path.join(dir, 'backups');
  const storage = new LocalBackupStorage(storageDir);
  const catalog = new PgBackupCatalog(catalogDb.db);
  const systemOn = (migrationsDir?: string) =>
    new PgTargetSystem({
      url,
      appRole,
      schemaPattern: PATTERN,
      storage,
      catalog,
      demo: kind === 'embedded',
      migrationsDir,
    });
  const target = systemOn(opts.migrationsDir);
  const others: PgTargetSystem[] = [];
  const sql = async <R extends QueryResultRow>(text: string, params: unknown[] = []) => {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query<R>(text, params)).rows;
    } finally {
      await c.end();
    }
  };
  return {
    kind,
    target,
    url,
    appRole,
    catalog,
    storage,
    storageDir,
    catalogDb,
    sql,
    async asApp(statements) {
      const c = new Client({ connectionString: url });
      await c.connect();
      try {
        await c.query('BEGIN');
        await c.query(`SET LOCAL ROLE ${appRole}`);
        for (const s of statements) await c.query(s);
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        await c.end();
      }
    },
    system(migrationsDir) {
      const made = systemOn(migrationsDir);
      others.push(made);
      return made;
    },
    async close() {
      for (const o of others) await o.close();
      await target.close();
      await catalogDb.close();
      for (const fn of cleanups) await fn();
    },
  };
}

async function adminQuery(url: string, text: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/** Row count and an md5 over each table's rows in key order: "untouched" means equal. */
export async function fingerprint(
  f: Pick<TargetFixture, 'sql'>,
  schema: string,
): Promise<Record<string, string>> {
  const tables = await f.sql<{ name: string }>(
    `SELECT relname AS name FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'r' ORDER BY 1`,
    [schema],
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await f.sql<{ n: string; h: string }>(
      `SELECT count(*)::text AS n, coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS h
       FROM "${schema}"."${name}" t`,
    );
    out[name] = `${row!.n}:${row!.h}`;
  }
  return out;
}
