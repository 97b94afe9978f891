// The incident runbooks (issue 10) over the real signed HTTP endpoint, acting on a real SaaS
// target database (a scratch database on TEST_DATABASE_URL, else the embedded demo target):
// tenant-throttle, tenant-leak-response and tenant-corruption, each effect read back as the
// SaaS's app role, each rollback, and bad input refused with nothing changed.
import { Client } from 'pg';
import type { Stack } from '../support/stack';
import { storageUnderTest } from '../support/stack';
import {
  fingerprintSchema,
  openTestTarget,
  runbook,
  runbookConfig,
  runOf,
  startRunbookStack,
  waitForRun,
  type RunRow,
  type TestTarget,
} from '../support/runbook-stack';
import { ALL } from '../support/scopes';
import { RESTORE_OFFER_ACTION } from '../../templates/runbook-offers';

jest.setTimeout(180_000);

let target: TestTarget;
let stack: Stack;

beforeAll(async () => {
  target = await openTestTarget();
  // Alice also runs initech's runbooks (a tenant whose schema the bad-input test drops).
  stack = await startRunbookStack(target, {
    configYaml: runbookConfig(target).replace(
      'roles:\n',
      'roles:\n  - { user: U0ALICE, tenant: initech, role: commander }\n',
    ),
  });
});

afterAll(async () => {
  await stack?.stop();
  await target?.close();
});

const done = (r: { state: string }) =>
  ['completed', 'failed', 'cancelled', 'rolled_back'].includes(r.state);

interface Controls {
  read_only: boolean;
  rate_limit_rpm: number | null;
  pool: string | null;
  blocked_endpoints: string[];
}

/** The tenant's controls as the SaaS reads them: as its app role. */
async function controlsAsApp(tenant: string): Promise<Controls> {
  const c = new Client({ connectionString: target.url });
  await c.connect();
  try {
    await c.query('BEGIN');
    await c.query(`SET LOCAL ROLE ${target.appRole}`);
    const r = await c.query<Controls>(
      'SELECT read_only, rate_limit_rpm, pool, blocked_endpoints FROM tenantops_control.tenant_controls WHERE tenant_id = $1',
      [tenant],
    );
    await c.query('ROLLBACK');
    return (
      r.rows[0] ?? { read_only: false, rate_limit_rpm: null, pool: null, blocked_endpoints: [] }
    );
  } finally {
    await c.end();
  }
}

async function routing(): Promise<unknown[]> {
  return target.sql(
    `SELECT tenant_id, schema_name, version FROM tenantops_control.tenant_routing ORDER BY tenant_id`,
  );
}

const writeAsApp = (name: string) =>
  target.asApp([`UPDATE tenant_acme.products SET name = '${name}' WHERE sku = 'SKU-001'`]);

const step = (r: RunRow, id: string) => r.steps.find((s) => s.step === id);

async function started(text: string, user = 'U0ALICE'): Promise<number> {
  const { reply, run } = await runbook(stack, text, user);
  if (!run) throw new Error(`${text}: not started: ${reply}`);
  return run;
}

describe(`incident runbooks on a ${storageUnderTest()} tenantops with a real target`, () => {
  it('throttles acme: rate limit and isolated pool seen by the app role, load shown, comms draft, pointer untouched', async () => {
    await target.sql('SELECT 1'); // the target is up
    const globexBefore = await controlsAsApp('globex');
    const n = await started('run tenant-throttle acme rpm=500 pool=isolated');
    const routingBefore = await routing();
    const r = await waitForRun(stack, n, done);
    expect(r.state).toBe('completed');
    expect(step(r, 'recent-load')?.output).toMatch(/acme: no alert firing/);
    expect(step(r, 'throttle')?.output).toMatch(
      /rate limit 500 rpm \(was no rate limit\); pool isolated \(was the default pool\)/,
    );
    const acme = await controlsAsApp('acme');
    expect([acme.rate_limit_rpm, acme.pool]).toEqual([500, 'isolated']);
    expect(await controlsAsApp('globex')).toEqual(globexBefore);
    expect(await routing()).toEqual(routingBefore);
    // The draft goes to acme's comms role in the run's thread, never to the customer channel.
    const draft = await stack.emulator.waitFor(() =>
      stack.emulator
        .callsTo('chat.postMessage')
        .find((c) => String(c.args.text).includes('DRAFT — not sent to the customer')),
    );
    expect(String(draft.args.text)).toContain('<@U0CAROL>');
    expect(String(draft.args.text)).toContain('500 requests per minute');
    expect(draft.args.channel).not.toBe('C0ACMECOMM');
    expect(step(r, 'upgrade-draft')?.output).toContain('nothing was sent to the customer');

    // Already isolated: said clearly, no run started.
    const again = await runbook(stack, 'run tenant-throttle acme rpm=100 pool=isolated');
    expect(again.run).toBeUndefined();
    expect(again.reply).toMatch(/acme is already in the isolated pool \(set by RB-\d+-throttle\)/);

    expect((await runbook(stack, `rollback RB-${n}`)).reply).toContain('Rolling back');
    const back = await waitForRun(stack, n, done);
    expect(back.state).toBe('rolled_back');
    expect(step(back, 'throttle')?.output).toMatch(/the default pool again; no rate limit again/);
    const after = await controlsAsApp('acme');
    expect([after.rate_limit_rpm, after.pool]).toEqual([null, null]);
  });

  it('rolls a throttle back to the limit set by hand before it, not to "no limit"', async () => {
    await target.sql(
      `UPDATE tenantops_control.tenant_controls SET rate_limit_rpm = 700 WHERE tenant_id = 'acme'`,
    );
    const n = await started('run tenant-throttle acme rpm=100');
    expect((await waitForRun(stack, n, done)).state).toBe('completed');
    expect((await controlsAsApp('acme')).rate_limit_rpm).toBe(100);
    await runbook(stack, `rollback RB-${n}`);
    expect((await waitForRun(stack, n, done)).state).toBe('rolled_back');
    expect((await controlsAsApp('acme')).rate_limit_rpm).toBe(700);
    await target.sql(
      `UPDATE tenantops_control.tenant_controls SET rate_limit_rpm = NULL WHERE tenant_id = 'acme'`,
    );
  });

  let leak = 0;

  it('contains a leak: endpoint blocked at once, read-only only after a second person approves', async () => {
    // A backup, then damage the SaaS should never make (orphaned orders): the check finds it.
    const backup = await started('run tenant-backup acme');
    expect((await waitForRun(stack, backup, done)).state).toBe('completed');
    await target.sql(
      'SET session_replication_role = replica; DELETE FROM tenant_acme.customers WHERE id = 1; SET session_replication_role = DEFAULT',
    );
    leak = await started('run tenant-leak-response acme endpoint=/api/v1/export/');
    const waiting = await waitForRun(stack, leak, (r) => r.state === 'waiting_approval');
    expect(waiting.steps.map((s) => `${s.step}:${s.state}`).slice(0, 4)).toEqual([
      'block-endpoint:done',
      'security-incident:done',
      'approve-read-only:waiting_approval',
      'read-only:pending',
    ]);
    expect((await controlsAsApp('acme')).blocked_endpoints).toEqual(['/api/v1/export']);
    expect((await controlsAsApp('globex')).blocked_endpoints).toEqual([]);
    // Not read-only before the approval.
    await writeAsApp('before approval');

    // A P1 security incident of acme, with its 72 h notification clock running.
    const incident = Number(
      /INC-(\d+)/.exec(step(waiting, 'security-incident')?.output ?? '')?.[1],
    );
    expect(step(waiting, 'security-incident')?.output).toMatch(
      /declared INC-\d+ as P1; marked as a security incident: customers to be notified by/,
    );
    const [row] = await stack.runtime.storage.db.scoped(ALL, async (c) => {
      const q = await c.query<{ severity: string; security: boolean; tenant_ids: string[] }>(
        'SELECT severity, security, tenant_ids FROM incidents WHERE id = $1',
        [incident],
      );
      return q.rows;
    });
    expect(row).toEqual({ severity: 'P1', security: true, tenant_ids: ['acme'] });
    const clocks = await stack.runtime.storage.db.scoped(
      ALL,
      async (c) =>
        (
          await c.query<{ n: string }>(
            `SELECT count(*) AS n FROM sla_clocks WHERE incident_id = $1 AND kind = 'security_notify'`,
            [incident],
          )
        ).rows,
    );
    expect(Number(clocks[0]?.n)).toBe(1);

    // The requester and someone without approver on acme can't approve: still waiting, writable.
    expect((await runbook(stack, `approve RB-${leak}`, 'U0ALICE')).reply).toContain(
      'a second person with the approver role',
    );
    expect((await runbook(stack, `approve RB-${leak}`, 'U0DAVE')).reply).toMatch(
      /doesn't exist or isn't on a tenant|You can't/,
    );
    expect((await runOf(stack, leak)).state).toBe('waiting_approval');
    await writeAsApp('still writable');

    expect((await runbook(stack, `approve RB-${leak}`, 'U0BOB')).reply).toContain('Approved');
    const r = await waitForRun(stack, leak, done);
    expect(r.state).toBe('completed');
    await expect(writeAsApp('read-only now')).rejects.toThrow(/permission denied/);
    expect((await controlsAsApp('acme')).read_only).toBe(true);
    expect(step(r, 'rotate-key')?.output).toMatch(
      /local keyring, DEV ONLY.*rotated: version 1 → 2; not undone by a rollback/,
    );
    expect(step(r, 'rls-audit')?.output).toMatch(/^RLS audit/);
    expect(step(r, 'integrity')?.output).toMatch(/damaged table.*orders/);
    expect(step(r, 'offer-restore')?.output).toMatch(/tenant-restore offered/);

    // Run without incident=, it belongs to the security incident it opened from that step on:
    // the later steps' notes are on that incident's timeline.
    const linked = await stack.runtime.storage.db.scoped(ALL, async (c) => ({
      run: (
        await c.query<{ incident_id: string | null }>(
          'SELECT incident_id FROM runbook_runs WHERE id = $1',
          [leak],
        )
      ).rows[0]?.incident_id,
      timeline: (
        await c.query<{ text: string }>(
          `SELECT text FROM timeline WHERE incident_id = $1 AND kind = 'runbook' ORDER BY id`,
          [incident],
        )
      ).rows.map((e) => e.text),
    }));
    expect(Number(linked.run)).toBe(incident);
    expect(linked.timeline.join('\n')).toMatch(/Rotate the tenant's key.*done/);
    expect(linked.timeline.join('\n')).toMatch(/RLS audit/);

    // The audit-log extract is a file in the incident: acme's rows only.
    const file = await stack.emulator.waitFor(() =>
      stack.emulator.files.find((f) => f.filename === `audit-acme-INC-${incident}.csv`),
    );
    expect(file.content.split('\n')[0]).toBe('at,actor,action,outcome,tenants,incident,reason');
    expect(file.content).toContain(`RB-${leak} tenant-leak-response`);
    expect(file.content).not.toMatch(/globex/);
  });

  it('offers tenant-restore with a button; the person clicking needs a run role on acme', async () => {
    const offer = await stack.emulator.waitFor(() =>
      stack.emulator
        .callsTo('chat.postMessage')
        .find((c) => String(c.args.text).includes(`RB-${leak}* found altered data`)),
    );
    expect(JSON.stringify(offer.args.blocks)).toContain(RESTORE_OFFER_ACTION);
    const value = /"value":"(acme INC-\d+)"/.exec(JSON.stringify(offer.args.blocks))?.[1];
    expect(value).toBeDefined();
    // Bob only approves: refused. (The leak response holds acme read-only meanwhile.)
    const refused = await (
      await stack.click(RESTORE_OFFER_ACTION, value!, { user: 'U0BOB' })
    ).reply();
    expect(refused).toMatch(/You can't run runbooks/);
  });

  it('lifts the containment on rollback: unblocked and writable again; the key stays rotated', async () => {
    expect((await runbook(stack, `rollback RB-${leak}`)).reply).toContain('Rolling back');
    const r = await waitForRun(stack, leak, done);
    expect(r.state).toBe('rolled_back');
    expect(step(r, 'read-only')?.output).toMatch(/writable again/);
    expect(step(r, 'rotate-key')?.state).toBe('done');
    const acme = await controlsAsApp('acme');
    expect([acme.read_only, acme.blocked_endpoints]).toEqual([false, []]);
    await writeAsApp('writable after rollback');
  });

  it('starts the offered restore for a person who may run it (here cancelled)', async () => {
    const offer = await stack.emulator.waitFor(() =>
      stack.emulator
        .callsTo('chat.postMessage')
        .find((c) => String(c.args.text).includes(`RB-${leak}* found altered data`)),
    );
    const value = /"value":"(acme INC-\d+)"/.exec(JSON.stringify(offer.args.blocks))?.[1];
    const reply = await (
      await stack.click(RESTORE_OFFER_ACTION, value!, { user: 'U0ALICE' })
    ).reply();
    const restore = Number(/Started \*RB-(\d+)\* tenant-restore for \*acme\*/.exec(reply)?.[1]);
    expect(restore).toBeGreaterThan(0);
    const waiting = await waitForRun(stack, restore, (x) => x.state === 'waiting_approval');
    expect(step(waiting, 'pause-writes')?.state).toBe('done');
    await runbook(stack, `cancel RB-${restore}`);
    expect((await waitForRun(stack, restore, done)).state).toBe('cancelled');
    await writeAsApp('after the offered restore was cancelled');
  });

  it('finds the corruption, starts an approval-gated restore, and drafts the customer message', async () => {
    const n = await started('run tenant-corruption acme');
    const r = await waitForRun(stack, n, done);
    expect(r.state).toBe('completed');
    expect(step(r, 'verify-integrity')?.output).toMatch(/damaged table.*orders/);
    const restore = Number(
      /^RB-(\d+) tenant-restore started/.exec(step(r, 'start-restore')?.output ?? '')?.[1],
    );
    // A restore of the damaged tables only: the other tables keep their data.
    expect(step(r, 'start-restore')?.output).toMatch(
      /tables=(\w+,)*orders(,\w+)*: it replaces only the rows of .*orders.* \(the other tables keep their data\)/,
    );
    const waiting = await waitForRun(stack, restore, (x) => x.state === 'waiting_approval');
    expect(step(waiting, 'pause-writes')?.state).toBe('done');
    expect(step(waiting, 'approve-swap')?.state).toBe('waiting_approval');
    expect(
      (
        await stack.runtime.storage.db.scoped(ALL, (c) =>
          c.query<{ params: Record<string, string> }>(
            'SELECT params FROM runbook_runs WHERE id = $1',
            [restore],
          ),
        )
      ).rows[0]?.params.tables,
    ).toMatch(/orders/);
    expect(step(r, 'customer-draft')?.output).toContain('nothing was sent to the customer');
    // Cancelled, the restore leaves acme writable on its untouched live schema.
    await runbook(stack, `cancel RB-${restore}`);
    expect((await waitForRun(stack, restore, done)).state).toBe('cancelled');
    await writeAsApp('after cancelled restore');
  });

  it('refuses bad input clearly and changes nothing on the target', async () => {
    await target.sql('DROP SCHEMA IF EXISTS tenant_initech CASCADE');
    const before = {
      acme: await fingerprintSchema(target, 'tenant_acme'),
      controls: await controlsAsApp('acme'),
      routing: await routing(),
    };
    const cases: [string, RegExp][] = [
      ['run tenant-throttle acme rpm=0', /rpm=0: must be a whole number .* from 1 to 1000000/],
      ['run tenant-throttle acme rpm=2000000', /rpm=2000000: must be a whole number/],
      ['run tenant-throttle acme', /tenant-throttle needs rpm=&lt;n&gt;/],
      ['run tenant-throttle acme rpm=10 pool=big', /pool=big: must be isolated/],
      [
        'run tenant-leak-response acme endpoint=api/export',
        /endpoint=api\/export: it must start with \//,
      ],
      [
        'run tenant-leak-response acme endpoint=/a/../admin',
        /\. and \.\. segments are not allowed/,
      ],
      ['run tenant-leak-response acme endpoint=/x?y=1', /no query string/],
      ['run tenant-leak-response initech', /tenant initech has no schema on the target/],
      ['run tenant-throttle initech rpm=10', /tenant initech has no schema on the target/],
      ['run tenant-corruption acme tables=nosuch', /tenant_acme has no table nosuch/],
      ['run tenant-throttle nosuch rpm=10', /You can't run runbooks/],
    ];
    for (const [text, expected] of cases) {
      const { reply, run } = await runbook(stack, text);
      expect({ text, run, ok: expected.test(reply) ? true : reply }).toEqual({
        text,
        run: undefined,
        ok: true,
      });
    }
    expect({
      acme: await fingerprintSchema(target, 'tenant_acme'),
      controls: await controlsAsApp('acme'),
      routing: await routing(),
    }).toEqual(before);
  });
});
