// tenant-key-rotate and the rotation watch against the Vault API emulator, through node-vault,
// on a real tenantops (signed Slack HTTP, real Postgres/Redis or embedded): rotation moves the
// key's latest_version once; Vault sealed makes the step wait and retry, a denial fails it at
// once; the watch ages keys from their versions' real creation times.
import type { Job } from 'bullmq';
import { keyRotateRunbook } from '../../src/app/runbooks/key-rotate-runbook';
import type { KeyWatchReport } from '../../src/app/runbooks/key-rotation-watch';
import { createVaultClient } from '../../src/adapters/vault/vault-client';
import { VaultTenantKeys } from '../../src/adapters/vault/vault-tenant-keys';
import { RUNBOOK_JOBS, RUNBOOK_QUEUE } from '../../src/ports/runbook-store';
import { runbook, runOf, waitForRun } from '../support/runbook-stack';
import { startStack, storageUnderTest, type Stack } from '../support/stack';
import { VaultEmulator, type PolicyRule } from '../support/vault-emulator';

jest.setTimeout(120_000);

const DAY = 24 * 3600_000;
const POLICY: PolicyRule[] = [
  { path: 'transit/keys/+', capabilities: ['read', 'update'] },
  { path: 'transit/keys/+/rotate', capabilities: ['update'] },
];

let vault: VaultEmulator;
let stack: Stack;
let token: string;

beforeAll(async () => {
  vault = await VaultEmulator.start();
  vault.writePolicy('tenantops', POLICY);
  token = vault.createToken({ policies: ['default', 'tenantops'] });
  // Keys as they were before tenantops looked: acme 7 months old, globex 5.6, initech fresh.
  vault.createKey('tenant-acme', { createdAt: new Date(Date.now() - 210 * DAY) });
  vault.createKey('tenant-globex', { createdAt: new Date(Date.now() - 168 * DAY) });
  vault.createKey('tenant-initech', { createdAt: new Date(Date.now() - 10 * DAY) });
  stack = await startStack({ env: { VAULT_ADDR: vault.url, VAULT_TOKEN: token } });
});

afterAll(async () => {
  await stack?.stop();
  await vault?.stop();
});

const finalState = (r: { state: string }) =>
  ['completed', 'failed', 'cancelled', 'rolled_back'].includes(r.state);
const latest = (tenant: string) => vault.key(`tenant-${tenant}`)?.versions.length ?? 0;

/** Runs one pass of the watch as the schedule would, and returns its report. */
async function watchPass(): Promise<KeyWatchReport> {
  const queue = stack.runtime.queues.createQueue(RUNBOOK_QUEUE);
  try {
    const job = (await queue.add(RUNBOOK_JOBS.keyRotationWatch, {})) as Job;
    for (;;) {
      const j = await queue.getJob(job.id as string);
      if (j?.failedReason) throw new Error(`watch failed: ${j.failedReason}`);
      if (j?.finishedOn) return j.returnvalue as KeyWatchReport;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await queue.close();
  }
}

function platformPosts(): string[] {
  return stack.emulator
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === 'C0INCIDENTS')
    .map((c) => String(c.args.text));
}

describe(`key rotation on a ${storageUnderTest()} tenantops with Vault (emulator)`, () => {
  it('the watch opens a rotation run for the 7-month-old key, warns for the 5.6-month one, leaves the fresh one', async () => {
    const report = await watchPass();
    expect(report.checked).toBe(3);
    expect(report.opened.map((o) => o.tenant)).toEqual(['acme']);
    expect(report.soon).toEqual(['globex']);
    expect(report.ok).toEqual(['initech']);
    const run = Number(report.opened[0]!.run.slice(3));
    const r = await waitForRun(stack, run, finalState);
    expect(r.state).toBe('completed');
    expect(r.steps[1]?.output).toContain('transit/keys/tenant-acme rotated: version 1 → 2');
    expect(latest('acme')).toBe(2);
    expect(latest('globex')).toBe(1);
    expect(latest('initech')).toBe(1);
    await stack.emulator.waitFor(() =>
      platformPosts().find((t) => t.includes('rotation due soon') && t.includes('globex')),
    );
    const post = platformPosts().find((t) => t.includes('rotation due soon')) ?? '';
    expect(post).toContain(`RB-${run}`);
    expect(post).not.toContain('initech');
  });

  it('a second pass warns no one twice and opens nothing: the rotated key is fresh', async () => {
    const postsBefore = platformPosts().length;
    const report = await watchPass();
    expect(report.opened).toEqual([]);
    expect(report.soon).toEqual([]);
    expect(report.alreadyWarned).toEqual(['globex']);
    expect(report.ok.sort()).toEqual(['acme', 'initech']);
    // The pass finished (its report above) and said nothing new in the channel.
    expect(platformPosts()).toHaveLength(postsBefore);
  });

  it('/runbook run tenant-key-rotate moves latest_version by one; a retried step does not rotate again', async () => {
    const { reply, run } = await runbook(stack, 'run tenant-key-rotate globex');
    expect(reply).toContain('Started *RB-');
    const r = await waitForRun(stack, run!, finalState);
    expect(r.state).toBe('completed');
    expect(r.steps[0]?.output).toContain('found transit/keys/tenant-globex at version 1');
    expect(latest('globex')).toBe(2);
    // The same step again, as a worker that died before recording would retry it.
    const keys = new VaultTenantKeys({
      client: createVaultClient({ addr: vault.url, token }),
      addr: vault.url,
      transitMount: 'transit',
      keyName: 'tenant-{id}',
    });
    const step = keyRotateRunbook(keys).steps({})[1]!;
    const again = await step.run({
      run: { number: run } as never,
      tenant: 'globex',
      params: {},
      context: { keyVersionBefore: 1 },
      target: () => {
        throw new Error('no target');
      },
      ops: () => {
        throw new Error('no ops');
      },
      now: () => new Date(),
    });
    expect(again.summary).toContain('not rotated again');
    expect(latest('globex')).toBe(2);
  });

  it('Vault sealed: the step reports it and the run waits and retries; unsealed, it completes', async () => {
    vault.seal();
    const { run } = await runbook(stack, 'run tenant-key-rotate globex');
    const waiting = await waitForRun(stack, run!, (r) => /sealed/.test(r.steps[0]?.error ?? ''));
    expect(waiting.state).toBe('running');
    expect(waiting.steps[0]?.error).toMatch(/vault_sealed: .*unseal.*retrying in \d+ s/);
    expect(waiting.steps[0]?.error).toContain('Nothing was created or rotated');
    expect(latest('globex')).toBe(2);
    vault.unseal();
    const r = await waitForRun(stack, run!, finalState);
    expect(r.state).toBe('completed');
    expect(latest('globex')).toBe(3);
  });

  it('Vault denying the rotation: the step fails at once with the reason; nothing rotated', async () => {
    vault.writePolicy('tenantops', [{ path: 'transit/keys/+', capabilities: ['read', 'update'] }]);
    try {
      const { run } = await runbook(stack, 'run tenant-key-rotate acme');
      const r = await waitForRun(stack, run!, finalState);
      expect(r.state).toBe('failed');
      expect(r.steps[1]?.state).toBe('failed');
      expect(r.steps[1]?.error).toMatch(/vault_denied: .*rotate/);
      expect(r.steps[1]?.error).toContain('The key was not rotated');
      expect((await runOf(stack, run!)).steps[1]?.error).not.toContain('retrying');
      expect(latest('acme')).toBe(2);
    } finally {
      vault.writePolicy('tenantops', POLICY);
    }
  });

  it('a due key whose rotation run failed within the day gets no second run from the watch', async () => {
    vault.backdateVersion('tenant-acme', 2, new Date(Date.now() - 200 * DAY));
    const report = await watchPass();
    expect(report.opened).toEqual([]);
    expect(report.pending.map((p) => p.tenant)).toEqual(['acme']);
    expect(latest('acme')).toBe(2);
  });
});
