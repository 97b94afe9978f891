// /tenant preflight and /tenant golive over the real signed HTTP endpoint, on a real target
// database (a scratch database on TEST_DATABASE_URL, else the embedded demo target), Vault
// through node-vault against its emulator, and an emulated SaaS API for the X-Tenant-ID
// probes. acme is planted with one gap of each kind (an RLS gap, no backup, a probe that
// times out); globex is backed up and sandbox-restored. Approvers confirm items with the
// message's buttons, and the one message is edited in place.
import { DEMO_CONFIG, startStack, storageUnderTest, type Stack } from '../support/stack';
import { openTestTarget, runbook, waitForRun, type TestTarget } from '../support/runbook-stack';
import { SaasApiEmulator } from '../support/saas-api-emulator';
import { VaultEmulator } from '../support/vault-emulator';
import { ALL } from '../support/scopes';

jest.setTimeout(180_000);

const DAY = 24 * 3600_000;
let target: TestTarget;
let stack: Stack;
let vault: VaultEmulator;
let saas: SaasApiEmulator;

beforeAll(async () => {
  target = await openTestTarget();
  vault = await VaultEmulator.start();
  vault.createKey('tenant-acme', { createdAt: new Date(Date.now() - 20 * DAY) });
  vault.createKey('tenant-globex', { createdAt: new Date(Date.now() - 20 * DAY) });
  saas = await new SaasApiEmulator({
    acme: [{ email: 'ana@acme.example' }],
    globex: [{ email: 'gus@globex.example' }],
    initech: [{ email: 'ian@initech.example' }],
  }).start();
  // The RLS gap: acme's schema and a table readable by PUBLIC (every role, every tenant's app).
  await target.sql('GRANT USAGE ON SCHEMA tenant_acme TO PUBLIC');
  await target.sql('GRANT SELECT ON tenant_acme.orders TO PUBLIC');
  stack = await startStack({
    configYaml: `${DEMO_CONFIG}
target: { schemaPattern: 'tenant_{id}', appRole: ${target.appRole}, apiUrl: '${saas.url}', probePath: /v1/whoami }
runbooks: { stepLease: PT3S }
`,
    env: { TARGET_DATABASE_URL: target.url, VAULT_ADDR: vault.url, VAULT_TOKEN: vault.rootToken },
  });
});

afterAll(async () => {
  await stack?.stop();
  await saas?.stop();
  await vault?.stop();
  await target?.close();
});

async function tenantCmd(text: string, user = 'U0ALICE'): Promise<string> {
  const raw = await (await stack.slash(text, { command: '/tenant', user })).reply(30_000);
  return (JSON.parse(raw) as { text: string }).text;
}

/** The checklist's message as Slack holds it now: its first post, then its latest edit. */
function checklistMessage(id: number) {
  const title = new RegExp(`(Preflight|Go-live) checklist #${id} `);
  const posts = stack.emulator
    .callsTo('chat.postMessage')
    .filter((c) => title.test(String(c.args.text)));
  const edits = stack.emulator
    .callsTo('chat.update')
    .filter((c) => title.test(String(c.args.text)));
  return { posts, last: edits.at(-1) ?? posts.at(-1) };
}

function itemLine(text: string, item: string): string {
  return text.split('; ').find((l) => l.includes(item)) ?? '';
}

async function audit(sql: string, params: unknown[]): Promise<number> {
  return stack.runtime.storage.db.scoped(ALL, async (c) =>
    Number((await c.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0),
  );
}

const finalState = (r: { state: string }) => ['completed', 'failed'].includes(r.state);

describe(`tenant checklists on a ${storageUnderTest()} tenantops with a real target`, () => {
  let golive = 0;

  it('preflight on acme reports each planted gap truthfully: RLS, no backup, a probe that times out', async () => {
    saas.behaviour = 'hang';
    const reply = await tenantCmd('preflight acme');
    const m =
      /Preflight checklist #(\d+) for \*acme\*: \*fail\* \(1 pass, 3 fail, 1 needs confirmation\)/.exec(
        reply,
      );
    expect(m).not.toBeNull();
    const id = Number(m![1]);
    await stack.emulator.waitFor(() => checklistMessage(id).last);
    const msg = checklistMessage(id).last!;
    const text = String(msg.args.text);
    expect(itemLine(text, 'X-Tenant-ID')).toContain(': fail');
    expect(itemLine(text, 'RLS')).toContain(': fail');
    expect(itemLine(text, 'Backups')).toContain(': fail');
    expect(itemLine(text, 'dashboards')).toContain(': needs confirmation');
    expect(itemLine(text, 'Tenant key')).toContain(': pass');
    const blocks = JSON.stringify(msg.args.blocks);
    expect(blocks).toContain('timed out after 5000 ms: not a pass');
    expect(blocks).toContain('PUBLIC');
    expect(blocks).toContain('no complete backup of acme');
    expect(blocks).toContain('transit/keys/tenant-acme version 1');
    expect(blocks).toContain('checklist_confirm:alerts');
    expect(blocks).not.toContain('checklist_confirm:rls');
  });

  it('go-live on globex: backed up, sandbox-restored, probes pass; two items need a person', async () => {
    saas.behaviour = 'compliant';
    const b = await runbook(stack, 'run tenant-backup globex');
    expect((await waitForRun(stack, b.run!, finalState)).state).toBe('completed');
    const s = await runbook(stack, 'run tenant-restore globex --sandbox');
    expect((await waitForRun(stack, s.run!, finalState)).state).toBe('completed');
    const reply = await tenantCmd('golive globex');
    const m =
      /Go-live checklist #(\d+) for \*globex\*: \*needs confirmation\* \(5 pass, 0 fail, 2 need confirmation\)/.exec(
        reply,
      );
    expect(m).not.toBeNull();
    golive = Number(m![1]);
    await stack.emulator.waitFor(() => checklistMessage(golive).last);
    const text = String(checklistMessage(golive).last!.args.text);
    expect(itemLine(text, 'Restore tested')).toContain(': pass');
    expect(itemLine(text, 'Support team')).toContain(': needs confirmation');
  });

  it('refuses the requester and a person without approver on globex, audited; nothing changes', async () => {
    const denied = () =>
      audit(
        `SELECT count(*) AS n FROM audit_log WHERE action = 'checklist_confirm' AND outcome = 'denied' AND actor = ANY($1)`,
        [['U0ALICE', 'U0DAVE']],
      );
    const before = await denied();
    // Alice ran it and is no approver; Dave is a responder on globex only.
    const alice = await (
      await stack.click('checklist_confirm:support_trained', `${golive}:support_trained`, {
        user: 'U0ALICE',
      })
    ).reply();
    expect(alice).toContain("You can't confirm checklist items: it needs approver on globex");
    const dave = await (
      await stack.click('checklist_confirm:support_trained', `${golive}:support_trained`, {
        user: 'U0DAVE',
      })
    ).reply();
    expect(dave).toContain("You can't confirm checklist items");
    expect(await denied()).toBe(before + 2);
    // An approver who ran a checklist himself can't confirm it: separation of duties.
    const bobs = /Preflight checklist #(\d+)/.exec(await tenantCmd('preflight globex', 'U0BOB'));
    const own = await (
      await stack.click('checklist_confirm:alerts', `${bobs![1]}:alerts`, { user: 'U0BOB' })
    ).reply();
    expect(own).toContain('a second person with the approver role on globex');
    expect(
      await audit(
        `SELECT count(*) AS n FROM audit_log WHERE action = 'checklist_confirm' AND outcome = 'denied' AND actor = 'U0BOB'`,
        [],
      ),
    ).toBe(1);
    expect(String(checklistMessage(golive).last!.args.text)).toContain(
      'needs confirmation (5 pass',
    );
  });

  it('an approver confirms: the same message is edited, then the go-live passes; /tenant status shows it', async () => {
    const first = await (
      await stack.click('checklist_confirm:support_trained', `${golive}:support_trained`, {
        user: 'U0BOB',
      })
    ).reply();
    expect(first).toContain('Confirmed.');
    await stack.emulator.waitFor(() =>
      String(checklistMessage(golive).last?.args.text).includes('6 pass') ? true : undefined,
    );
    const edited = checklistMessage(golive).last!;
    expect(edited.method).toBe('chat.update');
    expect(JSON.stringify(edited.args.blocks)).toContain('confirmed by');
    expect(checklistMessage(golive).posts).toHaveLength(1);
    const again = await (
      await stack.click('checklist_confirm:support_trained', `${golive}:support_trained`, {
        user: 'U0BOB',
      })
    ).reply();
    expect(again).toContain('already confirmed by');
    await (
      await stack.click('checklist_confirm:alerts', `${golive}:alerts`, { user: 'U0BOB' })
    ).reply();
    await stack.emulator.waitFor(() =>
      String(checklistMessage(golive).last?.args.text).includes(': pass (7 pass')
        ? true
        : undefined,
    );
    const status = await tenantCmd('status globex');
    expect(status).toContain(`Go-live checklist #${golive}`);
    expect(status).toMatch(/\*pass\* — 7 pass, 0 fail, 0 need/);
    expect(status).toContain('Key: `transit/keys/tenant-globex` version 1');
  });
});
