import { assessRotation } from '../../domain/keys/rotation';
import { isFinal, runRef } from '../../domain/runbooks/runbook';
import { Scope } from '../../domain/tenants/scope';
import type { KeyRotationNotice, KeyWatchLedger, KeyWatchNotices } from '../../ports/key-watch';
import { TenantKeyError, type TenantKeys } from '../../ports/tenant-keys';
import type { RunbookDeps } from './runbook-deps';
import { startScheduledRun } from './runbook-schedule';

/** A failed rotation run is opened again by the watch only after this long (not every pass). */
export const REOPEN_AFTER_MS = 24 * 60 * 60 * 1000;

export interface KeyWatchDeps {
  runbooks: RunbookDeps;
  keys: TenantKeys;
  notices: KeyWatchNotices;
  ledger: KeyWatchLedger;
  /** `vault.rotateEvery` (ISO-8601). */
  rotateEvery: string;
}

/** What one pass of the watch found, tenant by tenant (the job's result, and its log line). */
export interface KeyWatchReport {
  checked: number;
  ok: string[];
  /** Warned now (5.5 months), or earlier for the same version (`alreadyWarned`). */
  soon: string[];
  alreadyWarned: string[];
  opened: { tenant: string; run: string }[];
  /** Due, but a rotation run is open or was opened recently. */
  pending: { tenant: string; run: string }[];
  missing: string[];
  failed: { tenant: string; reason: string }[];
}

/**
 * The rotation watch (PRODUCT §1 seed §6), run on a schedule: ages each tenant's key from its
 * newest version's creation time; warns in the platform channel once per key version from
 * rotateEvery − rotateEvery/12 (5.5 months of 6); once rotateEvery has passed, opens a
 * `tenant-key-rotate` run unless one is open or was opened within a day.
 */
export async function keyRotationWatch(
  deps: KeyWatchDeps,
  tenants: readonly string[],
): Promise<KeyWatchReport> {
  const now = deps.runbooks.clock.now();
  const report: KeyWatchReport = {
    checked: 0,
    ok: [],
    soon: [],
    alreadyWarned: [],
    opened: [],
    pending: [],
    missing: [],
    failed: [],
  };
  const soon: KeyRotationNotice[] = [];
  const opened: KeyRotationNotice[] = [];
  for (const tenant of tenants) {
    report.checked += 1;
    try {
      const s = await deps.keys.status(tenant);
      const a = assessRotation(s.versions, now, deps.rotateEvery);
      if (a.state === 'missing') {
        report.missing.push(tenant);
        continue;
      }
      const notice: KeyRotationNotice = {
        tenant,
        keyRef: s.keyRef,
        backend: s.backend,
        latestVersion: a.latestVersion,
        latestCreatedAt: a.latestCreatedAt,
        dueAt: a.dueAt,
      };
      if (a.state === 'ok') report.ok.push(tenant);
      else if (a.state === 'warn') {
        if (await deps.ledger.firstWarning(tenant, s.keyRef, a.latestVersion, now)) {
          soon.push(notice);
          report.soon.push(tenant);
        } else report.alreadyWarned.push(tenant);
      } else {
        const last = await deps.runbooks.store.lastRun(
          Scope.of([tenant]),
          tenant,
          'tenant-key-rotate',
        );
        if (
          last &&
          (!isFinal(last.state) || now.getTime() - last.createdAt.getTime() < REOPEN_AFTER_MS)
        ) {
          report.pending.push({ tenant, run: runRef(last.number) });
          continue;
        }
        const run = await startScheduledRun(deps.runbooks, 'tenant-key-rotate', tenant, {});
        if (!run) {
          report.failed.push({ tenant, reason: 'tenant-key-rotate is not available' });
          continue;
        }
        opened.push({ ...notice, run: run.number });
        report.opened.push({ tenant, run: runRef(run.number) });
      }
    } catch (err) {
      // One tenant's key store trouble (Vault sealed, a busy tenant) never stops the others.
      const reason = err instanceof Error ? err.message : String(err);
      report.failed.push({ tenant, reason });
      deps.runbooks.log.warn(
        { err: err instanceof TenantKeyError ? err.message : err, tenantId: tenant },
        'key rotation watch: tenant not checked',
      );
    }
  }
  if (soon.length > 0 || opened.length > 0) await deps.notices.keyRotation({ soon, opened });
  deps.runbooks.log.info(
    {
      checked: report.checked,
      soon: report.soon,
      opened: report.opened,
      pending: report.pending,
      missing: report.missing,
      failed: report.failed.map((f) => f.tenant),
    },
    'key rotation watch pass finished',
  );
  return report;
}
