// A worker SIGKILLed mid-restore leaves the run resumable: another worker takes the step up
// once its lease runs out, runs it again (it checks the target's real state first), and the
// restore finishes with the data equal to the backup. The worker is a real child process.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Stack } from '../support/stack';
import { storageUnderTest } from '../support/stack';
import {
  fingerprintSchema,
  openTestTarget,
  routedSchema,
  runbook,
  runOf,
  startRunbookStack,
  waitForRun,
  type TestTarget,
} from '../support/runbook-stack';
import { ALL } from '../support/scopes';

jest.setTimeout(300_000);

let target: TestTarget;
let stack: Stack;
const children: ChildProcess[] = [];

/** A worker process on the stack's database and queues. */
async function startWorker(): Promise<ChildProcess> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...stack.env }))
    if (v !== undefined) env[k] = v;
  // The web side's database: the real one, or the parent's embedded Postgres over its socket.
  env.DATABASE_URL = stack.runtime.storage.postgresUrl;
  const child = spawn(
    process.execPath,
    // tsx as a loader in this very process (its CLI would run the script in a grandchild that a
    // SIGKILL of the child never reaches).
    [
      '--import',
      'tsx',
      path.join(__dirname, '../support/runbook-worker-child.ts'),
      stack.schema ?? '-',
      stack.queuePrefix,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('worker ready') && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${err}`)));
  });
  return child;
}

beforeAll(async () => {
  target = await openTestTarget();
  // Enough rows that restoring them takes a while: the kill lands mid-step.
  const rows = target.kind === 'postgres' ? 300_000 : 40_000;
  await target.sql(
    `INSERT INTO tenant_acme.events (id, customer_id, kind, payload)
     SELECT gen_random_uuid(), 1 + g % 60, 'bulk', jsonb_build_object('g', g)
     FROM generate_series(1, ${rows}) g`,
  );
  stack = await startRunbookStack(target, { worker: false });
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await stack?.stop();
  await target?.close();
});

describe(`a worker killed mid-restore (${storageUnderTest()} storage)`, () => {
  it('resumes the step on another worker and finishes with the data of the backup', async () => {
    const first = await startWorker();
    const backup = await runbook(stack, 'run tenant-backup acme');
    await waitForRun(stack, backup.run!, (r) => r.state === 'completed', 120_000);
    const backedUp = await fingerprintSchema(target, 'tenant_acme');
    await target.sql("DELETE FROM tenant_acme.events WHERE kind = 'bulk' AND payload->>'g' < '5'");

    const restore = (await runbook(stack, 'run tenant-restore acme')).run!;
    const step = (r: Awaited<ReturnType<typeof runOf>>) =>
      r.steps.find((s) => s.step === 'restore-isolated');
    await waitForRun(stack, restore, (r) => step(r)?.state === 'running', 120_000, 5);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect(step(await runOf(stack, restore))?.state).toBe('running');

    // Once the dead worker's lease has run out, a new worker takes the step over.
    await waitUntilLeaseExpired(restore);
    await startWorker();
    const waiting = await waitForRun(stack, restore, (r) => r.state !== 'running', 180_000);
    expect(waiting.state).toBe('waiting_approval');
    const attempts = await stack.runtime.storage.db.scoped(ALL, async (c) =>
      Number(
        (
          await c.query<{ attempts: number }>(
            `SELECT attempts FROM runbook_steps WHERE run_id = $1 AND step = 'restore-isolated'`,
            [restore],
          )
        ).rows[0]?.attempts,
      ),
    );
    expect(attempts).toBe(2);
    // Validation ran on what the second attempt left: counts and checksums match the backup.
    expect(waiting.steps.find((s) => s.step === 'validate')?.output).toMatch(/match/);

    await runbook(stack, `approve RB-${restore}`, 'U0BOB');
    const done = await waitForRun(stack, restore, (r) => r.state === 'completed', 120_000);
    expect(done.state).toBe('completed');
    expect(await fingerprintSchema(target, await routedSchema(target, 'acme'))).toEqual(backedUp);
  });
});

async function waitUntilLeaseExpired(run: number): Promise<void> {
  for (;;) {
    const held = await stack.runtime.storage.db.scoped(ALL, async (c) =>
      Number(
        (
          await c.query<{ n: string }>(
            'SELECT count(*) AS n FROM runbook_steps WHERE run_id = $1 AND lease_until > now()',
            [run],
          )
        ).rows[0]?.n,
      ),
    );
    if (held === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
