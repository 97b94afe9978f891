// `tenant-restore <tenant> tables=<t1,t2>` over the real signed HTTP endpoint, on a real SaaS
// target (a scratch database on TEST_DATABASE_URL, else the embedded demo target): only the
// damaged table goes back to the backup, the other tables keep the rows written since, the app
// role writes again, other tenants untouched; rollback puts the damaged rows back; a foreign key
// the restore would break fails the step naming it, with writes resumed and nothing changed.
import type { Stack } from '../support/stack';
import { storageUnderTest } from '../support/stack';
import {
  fingerprintSchema,
  openTestTarget,
  runbook,
  runOf,
  startRunbookStack,
  waitForRun,
  type TestTarget,
} from '../support/runbook-stack';

jest.setTimeout(180_000);

let target: TestTarget;
let stack: Stack;

beforeAll(async () => {
  target = await openTestTarget();
  stack = await startRunbookStack(target);
});

afterAll(async () => {
  await stack?.stop();
  await target?.close();
});

const done = (r: { state: string }) =>
  ['completed', 'failed', 'cancelled', 'rolled_back'].includes(r.state);

describe(`tenant-restore tables= on a ${storageUnderTest()} tenantops with a real target`, () => {
  let backedUp: Record<string, string>;
  let damaged: Record<string, string>;
  let restore = 0;

  it('refuses an unknown table at start, changing nothing', async () => {
    const before = await fingerprintSchema(target, 'tenant_acme');
    const { reply, run } = await runbook(stack, 'run tenant-restore acme tables=products,nosuch');
    // No backup yet: the chain is refused first; with one, the table is.
    expect(run).toBeUndefined();
    expect(reply).toContain('has no complete backup');
    const backup = await runbook(stack, 'run tenant-backup acme');
    expect((await waitForRun(stack, backup.run!, done)).state).toBe('completed');
    backedUp = await fingerprintSchema(target, 'tenant_acme');
    const refused = await runbook(stack, 'run tenant-restore acme tables=products,nosuch');
    expect(refused.run).toBeUndefined();
    expect(refused.reply).toContain('nosuch (no such table in the live schema)');
    expect(refused.reply).toContain('Nothing was changed');
    expect(await fingerprintSchema(target, 'tenant_acme')).toEqual(before);
    await target.asApp(["UPDATE tenant_acme.products SET name = name WHERE sku = 'SKU-001'"]);
  });

  it('restores the damaged table only, with approval; the other tables keep their new rows', async () => {
    const globexBefore = await fingerprintSchema(target, 'tenant_globex');
    await target.sql('UPDATE tenant_acme.products SET price_cents = 0, name = upper(name)');
    await target.asApp([
      "INSERT INTO tenant_acme.customers (email, name) VALUES ('late@acme.example', 'Late customer')",
      "INSERT INTO tenant_acme.orders (customer_id, placed_at, note) VALUES (1, now(), 'after the backup')",
    ]);
    damaged = await fingerprintSchema(target, 'tenant_acme');
    expect(damaged.products).not.toEqual(backedUp.products);

    const started = await runbook(stack, 'run tenant-restore acme tables=products');
    restore = started.run!;
    const waiting = await waitForRun(stack, restore, (r) => r.state === 'waiting_approval');
    expect(waiting.steps.map((s) => s.state)).toEqual([
      'done', // verify-backup
      'done', // pause-writes
      'done', // restore-isolated
      'done', // validate (products only)
      'waiting_approval',
      'pending',
      'pending',
      'pending',
    ]);
    await expect(
      target.asApp(["UPDATE tenant_acme.customers SET name = 'x' WHERE id = 1"]),
    ).rejects.toThrow(/permission denied/);
    expect((await runbook(stack, `approve RB-${restore}`, 'U0BOB')).reply).toContain('Approved');
    const finished = await waitForRun(stack, restore, done);
    expect(finished.state).toBe('completed');
    expect(finished.steps.find((s) => s.step === 'swap')?.output).toMatch(
      /tenant_acme: rows of products \(0 deleted, 25 rewritten, 0 added\) now as in the backup; the other tables untouched; the replaced rows kept in tenant_acme__kept_r\d+/,
    );

    const after = await fingerprintSchema(target, 'tenant_acme');
    expect(after.products).toEqual(backedUp.products);
    expect(after.customers).toEqual(damaged.customers);
    expect(after.orders).toEqual(damaged.orders);
    expect(after.order_items).toEqual(damaged.order_items);
    const routed = await target.sql(
      "SELECT schema_name FROM tenantops_control.tenant_routing WHERE tenant_id = 'acme'",
    );
    expect(routed.map((r) => r.schema_name).filter((s) => s !== 'tenant_acme')).toEqual([]);
    await target.asApp([
      "INSERT INTO tenant_acme.customers (email, name) VALUES ('writable@acme.example', 'Writable')",
    ]);
    expect(await fingerprintSchema(target, 'tenant_globex')).toEqual(globexBefore);
  });

  it('rolls back: the damaged rows of the restored table come back, writable', async () => {
    const customers = (await fingerprintSchema(target, 'tenant_acme')).customers;
    expect((await runbook(stack, `rollback RB-${restore}`)).reply).toContain('Rolling back');
    const r = await waitForRun(stack, restore, done);
    expect(r.state).toBe('rolled_back');
    const rolled = await fingerprintSchema(target, 'tenant_acme');
    expect(rolled.products).toEqual(damaged.products);
    expect(rolled.customers).toEqual(customers);
    expect(
      await target.sql("SELECT 1 FROM pg_namespace WHERE nspname LIKE 'tenant_acme__kept_%'"),
    ).toEqual([]);
    await target.asApp(["UPDATE tenant_acme.products SET name = name WHERE sku = 'SKU-001'"]);
  });

  it("fails the replace naming the foreign key another table's new rows need; writes resumed, nothing changed", async () => {
    // The order written after the backup has an item: restoring orders alone would orphan it.
    await target.asApp([
      "INSERT INTO tenant_acme.order_items (order_id, line, sku, quantity) SELECT max(id), 1, 'SKU-001', 2 FROM tenant_acme.orders",
    ]);
    const before = await fingerprintSchema(target, 'tenant_acme');
    const run = (await runbook(stack, 'run tenant-restore acme tables=orders')).run!;
    await waitForRun(stack, run, (r) => r.state === 'waiting_approval');
    await runbook(stack, `approve RB-${run}`, 'U0BOB');
    const failed = await waitForRun(stack, run, done);
    expect(failed.state).toBe('failed');
    const text = JSON.stringify(await runOf(stack, run));
    expect(text).toContain('foreign key order_items_order_id_fkey of tenant_acme.order_items');
    expect(text).toContain('nothing was changed');
    expect(await fingerprintSchema(target, 'tenant_acme')).toEqual(before);
    await target.asApp(["UPDATE tenant_acme.orders SET note = 'still writable' WHERE id = 1"]);
  });
});
