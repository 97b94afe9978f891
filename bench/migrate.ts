// npm run bench:migrate — the 1,000,000-row tenant of bench:restore (5 tables, indexes, foreign
// keys, beside 20 small tenants) migrated with ADD COLUMN … DEFAULT and a new index while a
// writer (its own process) inserts 200 rows/s into it. Runs the migration's steps straight on
// the target adapter (approval given at once) and prints each step's time, the write pause
// (target < 2 s), the writes refused (target 0 outside the pause), rows copied and replayed,
// the writer's insert latency before, during and after capture. Exits 1 when a target is missed.
// BENCH_ROWS (default 1000000), BENCH_WRITE_RATE (200), BENCH_TARGET_URL / BENCH_DATABASE_URL;
// BENCH_ROLLBACK=1 also points the tenant back afterwards and prints what that cost.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { Database } from '../src/adapters/postgres/database';
import { migrate } from '../src/adapters/postgres/migrator';
import { PgBackupCatalog } from '../src/adapters/postgres/pg-backup-catalog';
import { seedDemoTenants } from '../src/adapters/target/demo-target';
import { LocalBackupStorage } from '../src/adapters/target/local-backup-storage';
import { PgTargetSystem } from '../src/adapters/target/pg-target-system';
import { freshDatabase, ROOT } from './bench-support';
import { bigTenantSql, fingerprint, run } from './restore-seed';

const TARGET_ADMIN = process.env.BENCH_TARGET_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CATALOG_ADMIN = process.env.BENCH_DATABASE_URL ?? TARGET_ADMIN;
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RATE = Number(process.env.BENCH_WRITE_RATE ?? 200);
const SMALL = 20;
const BIG = 'bigco';
const M = '0001_orders_priority';
const MIGRATION = `-- Orders get a priority (0 for the existing ones) and an index for the status lists.
ALTER TABLE orders ADD COLUMN priority integer NOT NULL DEFAULT 0;
CREATE INDEX orders_status_placed_idx ON orders (status, placed_at);
-- check: SELECT count(*) = 0 FROM orders WHERE priority <> 0
`;

interface Attempt {
  start: number;
  end: number;
  outcome: 'ok' | 'refused' | 'error';
  schema?: string;
  id?: string;
  error?: string;
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const result = await fn();
  return [result, performance.now() - t0];
}

function percentile(values: number[], p: number): string {
  if (!values.length) return '-';
  const sorted = [...values].sort((a, b) => a - b);
  return String(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
}

/** The writer process; resolves once it is writing, `stop()` returns its attempts. */
async function startWriter(url: string, appRole: string, customers: number) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'bench/migrate-writer.ts'),
      url,
      appRole,
      BIG,
      String(RATE),
      String(customers),
    ],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (out.startsWith('ready\n')) {
        clearInterval(check);
        resolve();
      }
    }, 20);
    child.once('exit', (code) => reject(new Error(`writer exited (${code})`)));
  });
  return {
    async stop(): Promise<Attempt[]> {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.write('stop\n');
      await exited;
      return JSON.parse(out.slice('ready\n'.length)) as Attempt[];
    },
  };
}

async function main(): Promise<void> {
  const tag = randomBytes(3).toString('hex');
  const appRole = `bench_saas_${tag}`;
  const target = await freshDatabase(TARGET_ADMIN, `bench_migrate_${tag}`);
  const catalogDb = await freshDatabase(CATALOG_ADMIN, `bench_migcat_${tag}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-migrate-'));
  const db = new Database({ connectionString: catalogDb.url });
  const small = Array.from({ length: SMALL }, (_, i) => `small-${String(i + 1).padStart(2, '0')}`);
  let system: PgTargetSystem | undefined;
  try {
    console.error(`seeding ${ROWS} rows for ${BIG} and ${SMALL} small tenants…`);
    await run(target.url, `CREATE ROLE ${appRole} NOLOGIN`);
    await seedDemoTenants(target.url, { appRole, schemaPattern: 'tenant_{id}', tenants: small });
    await run(target.url, bigTenantSql('tenant_bigco', appRole, ROWS));
    await migrate(db);
    await writeFile(path.join(dir, `${M}.sql`), MIGRATION);
    system = new PgTargetSystem({
      url: target.url,
      appRole,
      schemaPattern: 'tenant_{id}',
      storage: new LocalBackupStorage(path.join(dir, 'backups')),
      catalog: new PgBackupCatalog(db),
      migrationsDir: dir,
    });
    await system.ensureControlSchema();
    // The SaaS finds the tenant's schema through its routing row (PRODUCT §8).
    await run(
      target.url,
      `INSERT INTO tenantops_control.tenant_routing (tenant_id, schema_name) VALUES ('${BIG}', 'tenant_bigco')`,
    );
    const others = await Promise.all(
      small.map((t) => fingerprint(target.url, `tenant_${t.replace(/-/g, '_')}`)),
    );
    const customers = Math.max(10, Math.round(ROWS * 0.1));
    const load = loadavg();

    console.error(`migrating while a writer inserts ${RATE} rows/s…`);
    const writer = await startWriter(target.url, appRole, customers);
    await new Promise((r) => setTimeout(r, 3000));
    const sys = system;
    const steps: [string, number][] = [];
    const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const [result, ms] = await timed(fn);
      steps.push([name, ms]);
      return result;
    };
    const t0 = performance.now();
    const captureFrom = Date.now();
    await step('flag on', () => sys.setFlag(BIG, 'migrating', M));
    const shadow = await step('shadow (structure + migration)', () => sys.createShadow(BIG, M));
    const copy = await step('copy, capture, keys/indexes, replay', () => sys.copyToShadow(BIG, M));
    const report = await step('validate (counts, checksums, checks)', () =>
      sys.validateShadow(BIG, M),
    );
    const sw = await step('switch (catch-up, pause, replay, pointer)', () =>
      sys.switchToShadow(BIG, M),
    );
    const finish = await step('finish (capture off, flag off)', async () => {
      const r = await sys.finishMigration(BIG, M);
      await sys.setFlag(BIG, 'migrating', null);
      return r;
    });
    const totalMs = performance.now() - t0;
    const captureTo = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    const attempts = await writer.stop();

    const pausedAt = sw.pausedAt!.getTime();
    const resumedAt = sw.resumedAt!.getTime();
    const inPause = (a: Attempt) => a.end >= pausedAt && a.start <= resumedAt;
    const refused = attempts.filter((a) => a.outcome === 'refused');
    const refusedOutside = refused.filter((a) => !inPause(a));
    const errors = attempts.filter((a) => a.outcome === 'error');
    const ok = attempts.filter((a) => a.outcome === 'ok');
    const span = (attempts.at(-1)!.end - attempts[0]!.start) / 1000;
    const latency = (f: (a: Attempt) => boolean) => {
      const ms = ok.filter(f).map((a) => a.end - a.start);
      return `${percentile(ms, 50)}/${percentile(ms, 99)} ms (${ms.length})`;
    };

    const newSchema = shadow.shadowSchema;
    const ids = ok.map((a) => a.id!);
    const check = await sqlRows<{ present: string; extra: string; after: string }>(
      target.url,
      `SELECT (SELECT count(*) FROM "${newSchema}".orders WHERE id = ANY($1::bigint[]))::text AS present,
              ((SELECT count(*) FROM "${newSchema}".orders) - (SELECT count(*) FROM tenant_bigco.orders))::text AS extra,
              $2::text AS after`,
      [ids, ok.filter((a) => a.schema === newSchema).length],
    );
    const allPresent = Number(check.present) === ids.length;
    const countsAgree = Number(check.extra) === Number(check.after);
    const othersAfter = await Promise.all(
      small.map((t) => fingerprint(target.url, `tenant_${t.replace(/-/g, '_')}`)),
    );
    const untouched = others.every((f, i) => f === othersAfter[i]);

    console.log(
      `\nbench:migrate — tenant ${BIG}: ${ROWS} rows in 5 tables, ${SMALL} other tenants; writer ${RATE} rows/s into orders`,
    );
    console.log(
      `  migration ${M}: ADD COLUMN priority integer NOT NULL DEFAULT 0; CREATE INDEX (status, placed_at)`,
    );
    console.log(
      `  load average at start ${load.map((x) => x.toFixed(1)).join(' ')}, at end ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} (2 shared cores)`,
    );
    for (const [name, ms] of steps) console.log(`    ${name.padEnd(44)} ${s(ms)}`);
    console.log(`    ${'total'.padEnd(44)} ${s(totalMs)}`);
    console.log(`  write pause                 ${s(sw.pauseMs)}  (target < 2 s)`);
    console.log(
      `  writes refused              ${refused.length} in the pause window, ${refusedOutside.length} outside it (target 0); ${errors.length} errors`,
    );
    console.log(
      `  writes accepted             ${ok.length} in ${span.toFixed(1)} s (${(ok.length / span).toFixed(0)}/s)`,
    );
    console.log(
      `  insert latency p50/p99      before capture ${latency((a) => a.start < captureFrom)}, while capturing ${latency((a) => a.start >= captureFrom && a.end < pausedAt)}, after ${latency((a) => a.start > captureTo)}`,
    );
    console.log(`  rows copied                 ${copy.rowsCopied}`);
    console.log(
      `  keys replayed               ${copy.replayed} after the copy, ${report.replayed} at validation, ${sw.caughtUp} before the pause, ${sw.replayedInPause} in it`,
    );
    console.log(`  capture triggers removed    ${finish.removedTriggers}`);
    console.log(`  validation                  ${report.ok ? 'ok' : report.problems.join('; ')}`);
    console.log(
      `  every accepted write in ${newSchema}: ${allPresent ? 'yes' : 'NO'}; orders = old + writes after the switch: ${countsAgree ? 'yes' : 'NO'}; other tenants untouched: ${untouched ? 'yes' : 'NO'}`,
    );
    if (errors.length) console.log(`  first error: ${errors[0]!.error}`);
    let rolledBack = true;
    if (process.env.BENCH_ROLLBACK === '1') {
      // The writes since the switch are carried back by a full compare, inside the pause.
      const [back, backMs] = await timed(() => sys.pointBack(BIG, M));
      const counts = await sqlRows<{ same: boolean }>(
        target.url,
        `SELECT (SELECT count(*) FROM tenant_bigco.orders) = (SELECT count(*) FROM "${newSchema}".orders) AS same`,
        [],
      );
      rolledBack = back.changed && counts.same;
      console.log(
        `  rollback (point back)       ${s(backMs)}, writes paused ${s(back.pauseMs)}, ${back.rowsCarriedBack} rows carried back; orders equal: ${counts.same ? 'yes' : 'NO'}`,
      );
    }
    const missed = [
      sw.pauseMs >= 2000 && 'write pause of 2 s or more',
      refusedOutside.length > 0 && 'writes refused outside the pause',
      errors.length > 0 && 'writes failed',
      !report.ok && 'validation failed',
      !allPresent && 'accepted writes missing from the new schema',
      !countsAgree && 'row counts disagree',
      !untouched && 'another tenant changed',
      !rolledBack && 'rollback did not carry the orders back',
    ].filter(Boolean);
    if (missed.length) {
      console.log(`  MISSED: ${missed.join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    await system?.close();
    await db.close();
    await target.drop();
    await catalogDb.drop();
    await run(TARGET_ADMIN, `DROP ROLE IF EXISTS ${appRole}`).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

async function sqlRows<R>(url: string, text: string, params: unknown[]): Promise<R> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows[0] as R;
  } finally {
    await c.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
