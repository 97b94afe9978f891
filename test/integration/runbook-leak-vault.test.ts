// tenant-leak-response with its key in Vault (node-vault against the Vault API emulator), on a
// real target: the rotation moves the transit key's latest_version; when Vault denies the
// rotation, the run fails saying the tenant is still read-only — which the app role confirms —
// and a rollback makes it writable again.
import type { Stack } from '../support/stack';
import { storageUnderTest } from '../support/stack';
import {
  openTestTarget,
  runbook,
  startRunbookStack,
  waitForRun,
  type TestTarget,
} from '../support/runbook-stack';
import { VaultEmulator, type PolicyRule } from '../support/vault-emulator';

jest.setTimeout(180_000);

let target: TestTarget;
let stack: Stack;
let vault: VaultEmulator;

const KEY_RULES: PolicyRule[] = [
  { path: 'transit/keys/tenant-acme', capabilities: ['read', 'create', 'update'] },
];
const ROTATE_RULE: PolicyRule = {
  path: 'transit/keys/tenant-acme/rotate',
  capabilities: ['update'],
};

beforeAll(async () => {
  vault = await VaultEmulator.start();
  vault.createKey('tenant-acme');
  vault.writePolicy('tenantops', [...KEY_RULES, ROTATE_RULE]);
  const token = vault.createToken({ policies: ['tenantops'] });
  target = await openTestTarget();
  stack = await startRunbookStack(target, { env: { VAULT_ADDR: vault.url, VAULT_TOKEN: token } });
});

afterAll(async () => {
  await stack?.stop();
  await target?.close();
  await vault?.stop();
});

const done = (r: { state: string }) =>
  ['completed', 'failed', 'cancelled', 'rolled_back'].includes(r.state);

const writeAsApp = () =>
  target.asApp(["UPDATE tenant_acme.products SET name = 'w' WHERE sku = 'SKU-001'"]);

async function leakApproved(): Promise<number> {
  const { run, reply } = await runbook(stack, 'run tenant-leak-response acme');
  if (!run) throw new Error(reply);
  await waitForRun(stack, run, (r) => r.state === 'waiting_approval');
  await runbook(stack, `approve RB-${run}`, 'U0BOB');
  return run;
}

describe(`tenant-leak-response with Vault (${storageUnderTest()})`, () => {
  it("rotates the tenant's transit key: latest_version moves from 1 to 2", async () => {
    const n = await leakApproved();
    const r = await waitForRun(stack, n, done);
    expect(r.state).toBe('completed');
    expect(vault.key('tenant-acme')?.versions.length).toBe(2);
    expect(r.steps.find((s) => s.step === 'rotate-key')?.output).toBe(
      'transit/keys/tenant-acme rotated: version 1 → 2; not undone by a rollback',
    );
    expect(vault.count('transit/keys/tenant-acme/rotate')).toBe(1);
    await runbook(stack, `rollback RB-${n}`);
    expect((await waitForRun(stack, n, done)).state).toBe('rolled_back');
    expect(vault.key('tenant-acme')?.versions.length).toBe(2);
    await writeAsApp();
  });

  it('Vault denying the rotation: the run fails saying acme is still read-only; rollback lifts it', async () => {
    vault.writePolicy('tenantops', KEY_RULES);
    const n = await leakApproved();
    const r = await waitForRun(stack, n, done);
    expect(r.state).toBe('failed');
    expect(r.steps.find((s) => s.step === 'rotate-key')?.state).toBe('failed');
    expect(r.outcome).toMatch(
      new RegExp(
        `failed: .*denied.*Containment stays in force: acme is still READ-ONLY\\. \`/runbook rollback RB-${n}\` lifts it\\.`,
      ),
    );
    await expect(writeAsApp()).rejects.toThrow(/permission denied/);
    expect(vault.key('tenant-acme')?.versions.length).toBe(2);

    await runbook(stack, `rollback RB-${n}`);
    expect((await waitForRun(stack, n, done)).state).toBe('rolled_back');
    await writeAsApp();
  });
});
