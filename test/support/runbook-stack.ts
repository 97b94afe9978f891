import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, type QueryResultRow } from 'pg';
import { seedDemoTenants, startDemoTarget } from '../../src/adapters/target/demo-target';
import { ALL } from './scopes';
import { fingerprint } from './target-fixture';
import { DEMO_CONFIG, startStack, type Stack, type StackOptions } from './stack';

/** A SaaS target database of its own, seeded with the demo tenants (acme, globex, initech). */
export interface TestTarget {
  kind: 'postgres' | 'embedded';
  url: string;
  appRole: string;
  sql<R extends QueryResultRow = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ): Promise<R[]>;
  /** Statements as the SaaS's app role, in one transaction. */
  asApp(statements: string[]): Promise<void>;
  close(): Promise<void>;
}

/** Real Postgres (a scratch database) with TEST_DATABASE_URL, else an embedded demo target. */
export async function openTestTarget(): Promise<TestTarget> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tenantops-rbtarget-'));
  const tag = randomUUID().replace(/-/g, '').slice(0, 12);
  const cleanups: (() => Promise<void>)[] = [() => rm(dir, { recursive: true, force: true })];
  let url: string;
  let appRole = 'saas_app';
  const admin = process.env.TEST_DATABASE_URL;
  if (admin) {
    appRole = `saas_app_${tag}`;
    const name = `rbt_${tag}`;
    await adminQuery(admin, `CREATE DATABASE ${name}`);
    const u = new URL(admin);
    u.pathname = `/${name}`;
    url = u.toString();
    cleanups.unshift(async () => {
      await adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await adminQuery(admin, `DROP ROLE IF EXISTS ${appRole}`);
    });
    await seedDemoTenants(url, { appRole, schemaPattern: 'tenant_{id}' });
  } else {
    const demo = await startDemoTarget(path.join(dir, 'target'), {
      appRole,
      schemaPattern: 'tenant_{id}',
    });
    url = demo.connectionString;
    cleanups.unshift(() => demo.stop());
  }
  const connect = async <T>(fn: (c: Client) => Promise<T>): Promise<T> => {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  return {
    kind: admin ? 'postgres' : 'embedded',
    url,
    appRole,
    sql: (text, params = []) => connect(async (c) => (await c.query(text, params)).rows),
    asApp: (statements) =>
      connect(async (c) => {
        await c.query('BEGIN');
        try {
          await c.query(`SET LOCAL ROLE ${appRole}`);
          for (const s of statements) await c.query(s);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    async close() {
      for (const fn of cleanups) await fn().catch(() => undefined);
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

/** The demo config with the target's app role and a short step lease (a killed worker's step comes back soon). */
export function runbookConfig(target: TestTarget, opts: { migrationsDir?: string } = {}): string {
  return `${DEMO_CONFIG}${runbookSettings(target, opts)}`;
}

/** Just the runbooks' lines of that config, to append to another config. */
export function runbookSettings(target: TestTarget, opts: { migrationsDir?: string } = {}): string {
  const migrations = opts.migrationsDir ? `, migrationsDir: '${opts.migrationsDir}'` : '';
  return `
target: { schemaPattern: 'tenant_{id}', appRole: ${target.appRole}${migrations} }
runbooks: { stepLease: PT3S }
`;
}

/** A stack acting on `target` (TARGET_DATABASE_URL) with the runbooks' config. */
export function startRunbookStack(
  target: TestTarget,
  opts: StackOptions & { migrationsDir?: string } = {},
): Promise<Stack> {
  return startStack({
    configYaml: runbookConfig(target, opts),
    ...opts,
    env: { TARGET_DATABASE_URL: target.url, ...opts.env },
  });
}

export interface RunRow {
  id: string;
  state: string;
  outcome: string | null;
  steps: { step: string; state: string; output: string | null; error: string | null }[];
}

export async function runOf(stack: Stack, n: number): Promise<RunRow> {
  return stack.runtime.storage.db.scoped(ALL, async (c) => {
    const run = (await c.query('SELECT id, state, outcome FROM runbook_runs WHERE id = $1', [n]))
      .rows[0] as Omit<RunRow, 'steps'>;
    const steps = (
      await c.query(
        'SELECT step, state, output, error FROM runbook_steps WHERE run_id = $1 ORDER BY idx',
        [n],
      )
    ).rows as RunRow['steps'];
    return { ...run, steps };
  });
}

/** Polls the run until `done` holds (e.g. a state), failing with the run's last state. */
export async function waitForRun(
  stack: Stack,
  n: number,
  done: (r: RunRow) => boolean,
  timeoutMs = 60_000,
  pollMs = 100,
): Promise<RunRow> {
  const deadline = Date.now() + timeoutMs;
  let last: RunRow | undefined;
  while (Date.now() < deadline) {
    last = await runOf(stack, n);
    if (last && done(last)) return last;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`RB-${n} not there in time: ${JSON.stringify(last)}`);
}

/** `/runbook …` as `user`; the RB-n of a reply that started a run. */
export async function runbook(
  stack: Stack,
  text: string,
  user = 'U0ALICE',
  channel = 'C0GENERAL',
): Promise<{ reply: string; run?: number }> {
  const raw = await (await stack.slash(text, { command: '/runbook', user, channel })).reply();
  // What the person reads: the reply's text and its blocks' text, not the JSON around them.
  const body = JSON.parse(raw) as { text?: string; blocks?: { text?: { text?: string } }[] };
  const reply = [body.text ?? '', ...(body.blocks ?? []).map((b) => b.text?.text ?? '')].join('\n');
  const m = /Started \*RB-(\d+)\*/.exec(reply);
  return { reply, ...(m ? { run: Number(m[1]) } : {}) };
}

/** Row count and an md5 over each table's rows: "untouched" means equal. */
export function fingerprintSchema(t: TestTarget, schema: string): Promise<Record<string, string>> {
  return fingerprint(t, schema);
}

/** The schema the routing pointer names for a tenant. */
export async function routedSchema(t: TestTarget, tenant: string): Promise<string> {
  const [row] = await t.sql<{ schema_name: string }>(
    'SELECT schema_name FROM tenantops_control.tenant_routing WHERE tenant_id = $1',
    [tenant],
  );
  return row!.schema_name;
}
