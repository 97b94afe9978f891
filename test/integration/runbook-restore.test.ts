// Backup → damage → restore with a second person's approval, over the real signed HTTP endpoint,
// on a real SaaS target database (a scratch database on TEST_DATABASE_URL, else the embedded
// demo target): the data equals the backup, the app role writes again, other tenants untouched;
// then a rollback points the tenant back.
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

async function auditCount(sql: string, params: unknown[]): Promise<number> {
  return stack.runtime.storage.db.scoped(ALL, async (c) =>
    Number((await c.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0),
  );
}

describe(`tenant-restore on a ${storageUnderTest()} tenantops with a real target`, () => {
  let backedUp: Record<string, string>;
  let restore = 0;

  it('backs acme up: one snapshot, recorded in the catalog, progress posted', async () => {
    backedUp = await fingerprintSchema(target, 'tenant_acme');
    const { reply, run } = await runbook(stack, 'run tenant-backup acme');
    expect(reply).toContain('Started *RB-');
    const r = await waitForRun(stack, run!, done);
    expect(r.state).toBe('completed');
    expect(r.steps[0]?.output).toMatch(/full backup acme-r\d+ of 5 tables/);
    await stack.emulator.waitFor(() =>
      stack.emulator
        .callsTo('chat.update')
        .concat(stack.emulator.callsTo('chat.postMessage'))
        .find((c) => String(c.args.text).includes(`RB-${run} tenant-backup acme: completed`)),
    );
  });

  it('restores acme after damage: paused writes, approval by a second person, data equals the backup', async () => {
    const globexBefore = await fingerprintSchema(target, 'tenant_globex');
    await target.sql('DELETE FROM tenant_acme.order_items WHERE order_id % 3 = 0');
    await target.sql('DELETE FROM tenant_acme.orders WHERE id % 3 = 0');
    await target.sql('UPDATE tenant_acme.products SET price_cents = 0');
    expect(await fingerprintSchema(target, 'tenant_acme')).not.toEqual(backedUp);

    const started = await runbook(stack, 'run tenant-restore acme');
    restore = started.run!;
    const waiting = await waitForRun(stack, restore, (r) => r.state === 'waiting_approval');
    expect(waiting.steps.map((s) => s.state)).toEqual([
      'done', // verify-backup
      'done', // pause-writes
      'done', // restore-isolated
      'done', // validate
      'waiting_approval',
      'pending',
      'pending',
      'pending',
    ]);
    // Paused for real: a write as the SaaS's app role is refused.
    await expect(
      target.asApp(["UPDATE tenant_acme.products SET name = 'x' WHERE sku = 'SKU-001'"]),
    ).rejects.toThrow(/permission denied/);

    // The requester can't approve; someone without approver on acme can't either; both audited.
    const denied = () =>
      auditCount(
        `SELECT count(*) AS n FROM audit_log WHERE actor = ANY($1) AND outcome = 'denied'`,
        [['U0ALICE', 'U0DAVE']],
      );
    const before = await denied();
    expect((await runbook(stack, `approve RB-${restore}`, 'U0ALICE')).reply).toContain(
      'a second person with the approver role',
    );
    expect((await runbook(stack, `approve RB-${restore}`, 'U0DAVE')).reply).toMatch(
      /doesn't exist or isn't on a tenant|You can't/,
    );
    expect(await denied()).toBe(before + 2);
    expect((await runOf(stack, restore)).state).toBe('waiting_approval');

    expect((await runbook(stack, `approve RB-${restore}`, 'U0BOB')).reply).toContain('Approved');
    const finished = await waitForRun(stack, restore, done);
    expect(finished.state).toBe('completed');
    expect(finished.steps.at(-1)?.state).toBe('running'); // the 24 h watch has started

    const live = await routedSchema(target, 'acme');
    expect(live).not.toBe('tenant_acme');
    expect(await fingerprintSchema(target, live)).toEqual(backedUp);
    await target.asApp([
      `INSERT INTO ${live}.products (sku, name, price_cents) VALUES ('SKU-NEW', 'New', 100)`,
    ]);
    expect(await fingerprintSchema(target, 'tenant_globex')).toEqual(globexBefore);
    const status = await (await stack.slash('status acme', { command: '/tenant' })).reply();
    expect(status).toContain('Newest backup: full');
  });

  it('shows every step, the approval and the outcome in the run message, and RTO left', async () => {
    const status = (await runbook(stack, `status RB-${restore}`)).reply;
    expect(status).toContain('approved by');
    expect(status).toMatch(/RTO: writes back after .* of 2h/);
    expect(status).toContain('completed');
  });

  it('rolls the restore back: the pointer goes back to the old schema, writable', async () => {
    const rolled = await runbook(stack, `rollback RB-${restore}`);
    expect(rolled.reply).toContain('Rolling back');
    const r = await waitForRun(stack, restore, done);
    expect(r.state).toBe('rolled_back');
    expect(await routedSchema(target, 'acme')).toBe('tenant_acme');
    await target.asApp(["UPDATE tenant_acme.products SET name = 'writable' WHERE sku = 'SKU-001'"]);
  });

  it('refuses bad input clearly and changes nothing on the target', async () => {
    const before = await fingerprintSchema(target, 'tenant_acme');
    const cases: [string, RegExp][] = [
      ['run tenant-nothing acme', /no runbook "tenant-nothing"/],
      [
        'run tenant-restore nosuch',
        /You can't run runbooks: it needs commander or responder on nosuch/,
      ],
      ['run tenant-restore acme backup=globex-r1', /no backup globex-r1 of tenant acme/],
      ['run tenant-restore acme at=2001-01-01T00:00:00Z', /before the oldest backup/],
      ['run tenant-backup acme kind=weekly', /kind=weekly: must be full or incremental/],
      ['run tenant-restore acme color=blue', /doesn't take "color=blue"/],
      ['approve RB-999999', /doesn't exist or isn't on a tenant/],
    ];
    for (const [text, expected] of cases) {
      const { reply, run } = await runbook(stack, text);
      const message = run ? ((await waitForRun(stack, run, done)).outcome ?? '') : reply;
      const failed = run ? JSON.stringify(await runOf(stack, run)) : reply;
      const ok = expected.test(message) || expected.test(failed);
      expect({ text, said: ok ? 'as expected' : failed }).toEqual({ text, said: 'as expected' });
    }
    expect(await fingerprintSchema(target, 'tenant_acme')).toEqual(before);
  });

  it('refuses a second destructive run on a busy tenant, naming the busy run', async () => {
    const first = await runbook(stack, 'run tenant-restore acme');
    await waitForRun(stack, first.run!, (r) => r.state === 'waiting_approval');
    const second = await runbook(stack, 'run tenant-restore acme');
    expect(second.reply).toContain(`acme is busy: RB-${first.run}`);
    expect(second.run).toBeUndefined();
    expect((await runbook(stack, `cancel RB-${first.run}`)).reply).toContain('Cancelling');
    const cancelled = await waitForRun(stack, first.run!, done);
    expect(cancelled.state).toBe('cancelled');
    // Cancelling undid the pause: the tenant is writable on its untouched live schema.
    await target.asApp([
      "UPDATE tenant_acme.products SET name = 'after cancel' WHERE sku = 'SKU-001'",
    ]);
  });

  it('plans a dry run without changing anything', async () => {
    const before = await fingerprintSchema(target, 'tenant_acme');
    const { run } = await runbook(stack, 'run tenant-restore acme --dry-run');
    const r = await waitForRun(stack, run!, done);
    expect(r.state).toBe('completed');
    expect(r.steps.find((s) => s.step === 'pause-writes')?.output).toMatch(/^would: set read_only/);
    expect(await fingerprintSchema(target, 'tenant_acme')).toEqual(before);
    await target.asApp(["UPDATE tenant_acme.products SET name = 'dry' WHERE sku = 'SKU-001'"]);
  });

  it('restores an incremental chain with deletions exactly, and at= picks the older state', async () => {
    const full = await runbook(stack, 'run tenant-backup acme kind=full');
    expect((await waitForRun(stack, full.run!, done)).state).toBe('completed');
    const atFull = await fingerprintSchema(target, 'tenant_acme');
    const between = new Date();
    await new Promise((r) => setTimeout(r, 50)); // the snapshots' times must differ from `between`
    await target.asApp([
      'DELETE FROM tenant_acme.order_items WHERE order_id IN (SELECT id FROM tenant_acme.orders WHERE id % 5 = 0)',
      'DELETE FROM tenant_acme.orders WHERE id % 5 = 0',
      "INSERT INTO tenant_acme.products (sku, name, price_cents) VALUES ('SKU-INC', 'Incremental', 42)",
      "UPDATE tenant_acme.customers SET name = 'Changed' WHERE id = 3",
    ]);
    const incr = await runbook(stack, 'run tenant-backup acme kind=incremental');
    const incrRun = await waitForRun(stack, incr.run!, done);
    expect(incrRun.steps[0]?.output).toMatch(/^incremental backup/);
    const atIncremental = await fingerprintSchema(target, 'tenant_acme');
    await target.sql(
      'DELETE FROM tenant_acme.customers WHERE id > 50 AND id NOT IN (SELECT customer_id FROM tenant_acme.orders) AND id NOT IN (SELECT customer_id FROM tenant_acme.events WHERE customer_id IS NOT NULL)',
    );

    const latest = (await runbook(stack, 'run tenant-restore acme')).run!;
    await waitForRun(stack, latest, (r) => r.state === 'waiting_approval');
    await runbook(stack, `approve RB-${latest}`, 'U0BOB');
    expect((await waitForRun(stack, latest, done)).state).toBe('completed');
    expect(await fingerprintSchema(target, await routedSchema(target, 'acme'))).toEqual(
      atIncremental,
    );

    const older = (await runbook(stack, `run tenant-restore acme at=${between.toISOString()}`))
      .run!;
    await waitForRun(stack, older, (r) => r.state === 'waiting_approval');
    await runbook(stack, `approve RB-${older}`, 'U0BOB');
    expect((await waitForRun(stack, older, done)).state).toBe('completed');
    expect(await fingerprintSchema(target, await routedSchema(target, 'acme'))).toEqual(atFull);
  });
});
