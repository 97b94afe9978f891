import { DomainError } from '../../domain/errors';
import { integrityProblems, summarizeIntegrity } from '../../domain/target/integrity';
import type { TenantKeys, TenantKeyStatus } from '../../ports/tenant-keys';
import type { StepContext, StepDef } from './runbook-def';

function keysOf(ctx: StepContext): TenantKeys {
  const keys = ctx.ops().keys;
  if (!keys) throw new DomainError('no_keys', 'No tenant key store is configured.');
  return keys;
}

const where = (s: TenantKeyStatus) =>
  s.backend === 'local-dev' ? `${s.keyRef} (local keyring, DEV ONLY — not Vault)` : s.keyRef;

const keyVersion: StepDef = {
  id: 'key-version',
  title: "Note the tenant key's version before rotating",
  plan: (ctx) => Promise.resolve(`read ${ctx.tenant}'s key status (create the key if it has none)`),
  async run(ctx) {
    const keys = keysOf(ctx);
    const { created, status } = await keys.ensureKey(ctx.tenant);
    return {
      summary: `${where(status)} at version ${status.latestVersion}${created ? ' (created now: the tenant had no key)' : ''}`,
      data: { keyVersionBefore: status.latestVersion },
    };
  },
};

const rotateKey: StepDef = {
  id: 'rotate-key',
  title: "Rotate the tenant's key (not undone by a rollback)",
  plan: (ctx) =>
    Promise.resolve(
      `rotate ${ctx.tenant}'s key to a new version; a rollback does NOT undo this (older versions still decrypt)`,
    ),
  async run(ctx) {
    const before = Number(ctx.context.keyVersionBefore);
    // The version read by the step before: a retry after the rotation finds it moved on.
    const r = await keysOf(ctx).rotate(ctx.tenant, { expectedLatest: before });
    return {
      summary: `${where(r.status)} rotated: version ${before} → ${r.status.latestVersion}${r.rotated ? '' : ' (already rotated by an earlier try)'}; not undone by a rollback`,
      data: { keyVersionAfter: r.status.latestVersion },
    };
  },
};

/** Note the key's version, then rotate from exactly that version (a retry never rotates twice). */
export const keySteps: StepDef[] = [keyVersion, rotateKey];

/** Integrity against the newest backup: what was altered (damage), for the restore offer. */
export const damageStep: StepDef = {
  id: 'integrity',
  title: 'Check for altered data (checksums against the newest backup, foreign keys, indexes)',
  plan: () =>
    Promise.resolve(
      "compare the tenant's tables with its newest backup; look for orphans, broken constraints, corrupt indexes",
    ),
  async run(ctx) {
    const report = await ctx.target().verifyIntegrity(ctx.tenant);
    const problems = integrityProblems(report);
    const changed = report.tables.filter((t) => t.status === 'changed').map((t) => t.table);
    return {
      summary: `${summarizeIntegrity(report)}${changed.length ? `; changed since the backup (the SaaS writes): ${changed.join(', ')}` : ''}${problems.length ? `\n${problems.slice(0, 6).join('\n')}` : ''}`,
      data: { damagedTables: report.damaged, damageProblems: problems },
    };
  },
};
