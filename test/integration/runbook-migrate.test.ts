// tenant-migrate through the engine over signed HTTP: a migration switches acme's pointer to a
// shadow schema at the new version with its data intact, behind a second person's approval,
// says how long writes were paused, and rolls back cleanly.
import type { Stack } from '../support/stack';
import { storageUnderTest } from '../support/stack';
import { migrationsDir, ORDER_PRIORITY } from '../support/migration-files';
import {
  fingerprintSchema,
  openTestTarget,
  routedSchema,
  runbook,
  startRunbookStack,
  waitForRun,
  type TestTarget,
} from '../support/runbook-stack';

jest.setTimeout(180_000);

let target: TestTarget;
let stack: Stack;

beforeAll(async () => {
  target = await openTestTarget();
  const dir = await migrationsDir({ '0001_order_priority.sql': ORDER_PRIORITY });
  stack = await startRunbookStack(target, { migrationsDir: dir });
});

afterAll(async () => {
  await stack?.stop();
  await target?.close();
});

const ended = (r: { state: string }) =>
  ['completed', 'failed', 'cancelled', 'rolled_back'].includes(r.state);

describe(`tenant-migrate through the engine (${storageUnderTest()} storage)`, () => {
  it('refuses a migration that does not exist before any run is recorded, changing nothing', async () => {
    const { reply, run } = await runbook(stack, 'run tenant-migrate acme migration=0009_nothing');
    expect(run).toBeUndefined();
    expect(reply).toMatch(/0009_nothing/);
    expect(await routedSchema(target, 'acme')).toBe('tenant_acme');
  });

  it('migrates acme behind an approval, pauses writes briefly, keeps the data, and rolls back', async () => {
    const before = await fingerprintSchema(target, 'tenant_acme');
    const { run } = await runbook(stack, 'run tenant-migrate acme migration=0001_order_priority');
    await waitForRun(stack, run!, (r) => r.state === 'waiting_approval');
    // Until the approval the tenant keeps writing on its live schema.
    await target.asApp(["UPDATE tenant_acme.products SET name = 'during' WHERE sku = 'SKU-002'"]);
    await runbook(stack, `approve RB-${run}`, 'U0BOB');
    const done = await waitForRun(stack, run!, ended);
    expect(done.state).toBe('completed');
    expect(JSON.stringify(done.steps)).toMatch(/writes paused/i);
    const live = await routedSchema(target, 'acme');
    expect(live).not.toBe('tenant_acme');
    const [col] = await target.sql<{ n: string }>(
      `SELECT count(*) AS n FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = 'orders' AND column_name = 'priority'`,
      [live],
    );
    expect(col?.n).toBe('1');
    const [orders] = await target.sql<{ n: string }>(`SELECT count(*) AS n FROM ${live}.orders`);
    expect(orders?.n).toBe(before.orders?.split(':')[0]);
    const [during] = await target.sql<{ name: string }>(
      `SELECT name FROM ${live}.products WHERE sku = 'SKU-002'`,
    );
    expect(during?.name).toBe('during');
    await target.asApp([`INSERT INTO ${live}.order_notes (order_id, body) VALUES (1, 'works')`]);

    expect((await runbook(stack, `rollback RB-${run}`)).reply).toContain('Rolling back');
    const rolled = await waitForRun(stack, run!, ended);
    expect(rolled.state).toBe('rolled_back');
    expect(await routedSchema(target, 'acme')).toBe('tenant_acme');
    await target.asApp(["UPDATE tenant_acme.products SET name = 'back' WHERE sku = 'SKU-002'"]);
  });
});
