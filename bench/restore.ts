// npm run bench:restore — one tenant of 1,000,000 rows over 5 tables (indexes, foreign keys)
// beside 20 small tenants, on the real Postgres. Full backup, then the restore procedure
// (pause → verify → restoreInto → validate → swap → resume, straight on the target adapter),
// then the raw ceiling: the same schema through pg_dump -Fc -n / pg_restore into a scratch
// database. Prints each step's time and the ratios; exits 1 when a target is missed.
// BENCH_ROWS (default 1000000), BENCH_TARGET_URL / BENCH_DATABASE_URL (admin URLs of the
// target's and tenantops' servers, default the local one).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Database } from '../src/adapters/postgres/database';
import { migrate } from '../src/adapters/postgres/migrator';
import { PgAccessStore } from '../src/adapters/postgres/pg-access-store';
import { PgBackupCatalog } from '../src/adapters/postgres/pg-backup-catalog';
import { seedDemoTenants } from '../src/adapters/target/demo-target';
import { LocalBackupStorage } from '../src/adapters/target/local-backup-storage';
import { PgTargetSystem } from '../src/adapters/target/pg-target-system';
import { freshDatabase } from './bench-support';
import { bigTenantSql, fingerprint, rowsIn, run } from './restore-seed';

const exec = promisify(execFile);
const TARGET_ADMIN = process.env.BENCH_TARGET_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CATALOG_ADMIN = process.env.BENCH_DATABASE_URL ?? TARGET_ADMIN;
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const SMALL = 20;
const BIG = 'bigco';
const RTO_MS = 2 * 3600_000;
/** About 1.5 % of the rows changed after the restore (the tenant now lives in __r1). */
const CHANGES = `
UPDATE tenant_bigco__r1.orders SET status = 'refunded' WHERE id % 100 = 0;
DELETE FROM tenant_bigco__r1.payments WHERE (get_byte(decode(replace(id::text, '-', ''), 'hex'), 0)) < 3;
DELETE FROM tenant_bigco__r1.order_items WHERE order_id % 97 = 0 AND line = 2;
INSERT INTO tenant_bigco__r1.customers (email, name) SELECT 'new' || g || '@x.example', 'New ' || g FROM generate_series(1, 2000) g;`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const result = await fn();
  return [result, performance.now() - t0];
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number) =>
  bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;

async function main(): Promise<void> {
  const tag = randomBytes(3).toString('hex');
  const appRole = `bench_saas_${tag}`;
  const target = await freshDatabase(TARGET_ADMIN, `bench_target_${tag}`);
  const catalogDb = await freshDatabase(CATALOG_ADMIN, `bench_catalog_${tag}`);
  const scratch = await freshDatabase(TARGET_ADMIN, `bench_pgrestore_${tag}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-restore-'));
  const db = new Database({ connectionString: catalogDb.url });
  const smallTenants = Array.from(
    { length: SMALL },
    (_, i) => `small-${String(i + 1).padStart(2, '0')}`,
  );
  let system: PgTargetSystem | undefined;
  try {
    console.error(`seeding ${ROWS} rows for ${BIG} and ${SMALL} small tenants…`);
    await run(target.url, `CREATE ROLE ${appRole} NOLOGIN`);
    await seedDemoTenants(target.url, {
      appRole,
      schemaPattern: 'tenant_{id}',
      tenants: smallTenants,
    });
    await run(target.url, bigTenantSql('tenant_bigco', appRole, ROWS));
    await migrate(db);
    await new PgAccessStore(db).syncFromConfig(
      [BIG, ...smallTenants].map((id) => ({ id, name: id, plan: 'default', commsChannel: null })),
      [],
    );
    const rows = await rowsIn(target.url, 'tenant_bigco');
    const others = await Promise.all(
      smallTenants.map((t) => fingerprint(target.url, `tenant_${t.replace(/-/g, '_')}`)),
    );
    const original = await fingerprint(target.url, 'tenant_bigco');
    system = new PgTargetSystem({
      url: target.url,
      appRole,
      schemaPattern: 'tenant_{id}',
      storage: new LocalBackupStorage(path.join(dir, 'backups')),
      catalog: new PgBackupCatalog(db),
    });
    await system.ensureControlSchema();

    console.error('backup…');
    const [backup, backupMs] = await timed(() => system!.backup({ tenant: BIG, kind: 'full' }));
    const dumpFile = path.join(dir, 'bigco.dump');
    console.error('pg_dump…');
    const [, dumpMs] = await timed(() =>
      exec('pg_dump', ['-Fc', '-n', 'tenant_bigco', '-f', dumpFile, '-d', target.url]),
    );
    const dumpBytes = (await stat(dumpFile)).size;

    console.error('restore…');
    const steps: [string, number][] = [];
    const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const [result, ms] = await timed(fn);
      steps.push([name, ms]);
      return result;
    };
    const t0 = performance.now();
    const chain = await step('chain + verify files', async () => {
      const c = await system!.chainFor(BIG, { backupId: backup.id });
      await system!.verifyReadable(c);
      return c;
    });
    const pausedAt = performance.now();
    await step('1 pause writes', () => system!.pauseWrites(BIG));
    const restored = await step('2 restore into isolated schema', () =>
      system!.restoreInto(BIG, chain, 'tenant_bigco__r1'),
    );
    const report = await step('3 validate', () => system!.validate('tenant_bigco__r1', backup));
    await step('4 swap', () => system!.swap(BIG, 'tenant_bigco__r1'));
    await step('5 resume writes', () => system!.resumeWrites(BIG));
    const pausedMs = performance.now() - pausedAt;
    const totalMs = performance.now() - t0;

    const restoredPrint = await fingerprint(target.url, 'tenant_bigco__r1');
    const othersAfter = await Promise.all(
      smallTenants.map((t) => fingerprint(target.url, `tenant_${t.replace(/-/g, '_')}`)),
    );
    console.error('pg_restore…');
    const [, pgRestoreMs] = await timed(() => exec('pg_restore', ['-d', scratch.url, dumpFile]));
    await run(scratch.url, 'DROP SCHEMA tenant_bigco CASCADE');
    const [, pgRestoreJ2Ms] = await timed(() =>
      exec('pg_restore', ['-j', '2', '-d', scratch.url, dumpFile]),
    );

    console.error('incremental…');
    await run(target.url, CHANGES);
    const [inc, incMs] = await timed(() => system!.backup({ tenant: BIG, kind: 'incremental' }));
    const [incReport, incRestoreMs] = await timed(async () => {
      const c = await system!.chainFor(BIG, 'latest');
      await system!.restoreInto(BIG, c, 'tenant_bigco__sandbox');
      return system!.validate('tenant_bigco__sandbox', inc);
    });

    const restoreMs = steps.find(([n]) => n.startsWith('2'))![1];
    const backupRatio = dumpMs / backupMs;
    const restoreRatio = pgRestoreMs / restoreMs;
    const identical = report.ok && restoredPrint === original;
    const untouched = others.every((f, i) => f === othersAfter[i]);

    console.log(
      `\nbench:restore — tenant ${BIG}: ${rows} rows in 5 tables, ${SMALL} other tenants`,
    );
    console.log(
      `  backup (full)             ${s(backupMs)}   ${mb(backup.bytes)} (${backup.tables.length} tables + structure)`,
    );
    console.log(`  pg_dump -Fc -n            ${s(dumpMs)}   ${mb(dumpBytes)}`);
    console.log('  restore procedure:');
    for (const [name, ms] of steps) console.log(`    ${name.padEnd(32)} ${s(ms)}`);
    console.log(`    ${'total'.padEnd(32)} ${s(totalMs)}  (RTO ${s(RTO_MS)})`);
    console.log(`    ${'writes paused'.padEnd(32)} ${s(pausedMs)}`);
    console.log(
      `  pg_restore (scratch db)   ${s(pgRestoreMs)}   (pg_restore -j 2: ${s(pgRestoreJ2Ms)})`,
    );
    const changed = inc.tables.reduce((n, t) => n + (t.upserts ?? 0) + (t.deletes ?? 0), 0);
    console.log(
      `  incremental backup        ${s(incMs)}   ${mb(inc.bytes)} (${changed} rows changed or deleted)`,
    );
    console.log(
      `  restore full + incremental ${s(incRestoreMs)} (sandbox, with validation: ${incReport.ok ? 'ok' : 'FAILED'})`,
    );
    console.log(`  backup speed  / pg_dump    ${backupRatio.toFixed(2)}×  (target ≥ 0.5)`);
    console.log(
      `  restore speed / pg_restore ${restoreRatio.toFixed(2)}×  (restoreInto; target ≥ 0.5)`,
    );
    console.log(
      `  whole procedure / pg_restore ${(pgRestoreMs / totalMs).toFixed(2)}×  (incl. verify, validate)`,
    );
    console.log(
      `  rows restored ${restored.tables.reduce((n, t) => n + t.rows, 0)}, validation ${report.ok ? 'ok' : report.problems.join('; ')}`,
    );
    console.log(
      `  row-for-row identical: ${identical ? 'yes' : 'NO'}; other tenants untouched: ${untouched ? 'yes' : 'NO'}`,
    );
    const missed = [
      backupRatio < 0.5 && 'backup slower than 0.5 × pg_dump',
      restoreRatio < 0.5 && 'restore slower than 0.5 × pg_restore',
      totalMs > RTO_MS && 'restore over the 2 h RTO',
      !identical && 'restored data differs',
      !untouched && 'another tenant changed',
      !incReport.ok && 'full + incremental restore differs',
    ].filter(Boolean);
    if (missed.length) {
      console.log(`  MISSED: ${missed.join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    await system?.close();
    await db.close();
    await scratch.drop();
    await target.drop();
    await catalogDb.drop();
    await run(TARGET_ADMIN, `DROP ROLE IF EXISTS ${appRole}`).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
