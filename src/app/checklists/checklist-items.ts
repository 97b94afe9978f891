import type { ChecklistItem, ItemId } from '../../domain/checklists/checklist';
import { assessRotation } from '../../domain/keys/rotation';
import { runRef } from '../../domain/runbooks/runbook';
import { formatDuration } from '../../domain/sla/duration';
import { summarizeProbes } from '../../domain/target/api-probe';
import {
  auditPasses,
  describeFinding,
  findingsFor,
  summarizeAudit,
} from '../../domain/target/rls-audit';
import { Scope } from '../../domain/tenants/scope';
import type { BackupCatalog } from '../../ports/backup-catalog';
import type { Clock } from '../../ports/clock';
import type { RlsAuditor } from '../../ports/rls-audit';
import type { RunbookStore } from '../../ports/runbook-store';
import type { TenantApiProbe } from '../../ports/tenant-api-probe';
import type { TenantKeys } from '../../ports/tenant-keys';
import type { TenantMetrics } from '../../ports/tenant-load';

const DAY = 24 * 60 * 60 * 1000;
export const RESTORE_TEST_WITHIN_MS = 30 * DAY;

/** The systems the checks read (each optional part missing means a person must confirm). */
export interface CheckSources {
  clock: Clock;
  keys: TenantKeys;
  rotateEvery: string;
  catalog: BackupCatalog;
  rpoMs: number;
  runs: RunbookStore;
  /** Every registered tenant (the RLS audit's routing; the probe's "other tenant"). */
  tenants(): string[];
  /** target.apiUrl: the X-Tenant-ID probes. */
  probe?: TenantApiProbe;
  /** target.prometheusUrl: the tenant's series. */
  metrics?: TenantMetrics;
  /** The alert rules tenantops ships (alerts/tenant-rules.yml), by name. */
  shippedAlerts: readonly string[];
  /** TARGET_DATABASE_URL: the RLS audit. */
  target?: RlsAuditor;
  /** Why there is no target, for the evidence. */
  noTarget?: string;
}

type Check = Omit<ChecklistItem, 'id'>;
const pass = (evidence: string): Check => ({ state: 'pass', evidence });
const fail = (evidence: string): Check => ({ state: 'fail', evidence });
const ask = (evidence: string): Check => ({ state: 'needs_confirmation', evidence });

async function tenantHeader(s: CheckSources, tenant: string): Promise<Check> {
  if (!s.probe)
    return ask(
      "target.apiUrl is not set, so nothing was probed: confirm that the gateway and the backend refuse requests without X-Tenant-ID and never answer one tenant with another tenant's data.",
    );
  const other = s.tenants().find((t) => t !== tenant) ?? 'zz-no-such-tenant';
  const r = await s.probe.probeTenantHeader(tenant, other);
  const text = summarizeProbes(r);
  switch (r.verdict) {
    case 'pass':
      return pass(text);
    case 'fail':
    case 'error': // a timeout, a 5xx or no connection is never a pass
      return fail(text);
    case 'inconclusive':
      return ask(
        `${text}. Confirm by hand, or point target.probePath at a path that shows the tenant.`,
      );
  }
}

async function rls(s: CheckSources, tenant: string): Promise<Check> {
  if (!s.target)
    return ask(
      `${s.noTarget ?? 'No target database'}: the RLS audit could not run; confirm RLS (or schema-per-tenant) by hand.`,
    );
  const report = await s.target.auditRls(s.tenants());
  const mine = findingsFor(report, tenant);
  const text = summarizeAudit(report, mine);
  if (auditPasses(mine)) return pass(text);
  const worst = mine
    .filter((f) => f.severity !== 'low')
    .slice(0, 3)
    .map(describeFinding);
  return fail(`${text}. ${worst.join('; ')}${mine.length > 3 ? ' …' : ''}`);
}

async function backups(s: CheckSources, tenant: string): Promise<Check> {
  const now = s.clock.now().getTime();
  const all = await s.catalog.listOf(tenant);
  const done = all.filter((b) => b.status === 'complete' && b.snapshotAt);
  const newest = done[0];
  if (!newest)
    return fail(
      `no complete backup of ${tenant} in the catalog: run /runbook run tenant-backup ${tenant} and check the schedule.`,
    );
  const age = now - (newest.snapshotAt as Date).getTime();
  const what = `newest: ${newest.kind} backup ${newest.id} labelled tenant ${newest.tenantId}, snapshot ${(newest.snapshotAt as Date).toISOString()} (${formatDuration(age)} old), ${newest.tables.length} tables checksummed`;
  if (newest.tenantId !== tenant) return fail(`${what}: labelled with another tenant`);
  if (age > s.rpoMs) return fail(`${what}: older than the RPO (${formatDuration(s.rpoMs)})`);
  return pass(`${what}; within the RPO (${formatDuration(s.rpoMs)})`);
}

async function restoreTested(s: CheckSources, tenant: string): Promise<Check> {
  const run = await s.runs.lastRun(Scope.of([tenant]), tenant, 'tenant-restore', {
    sandbox: 'true',
  });
  const hint = `run /runbook run tenant-restore ${tenant} --sandbox`;
  if (!run) return fail(`no sandbox restore of ${tenant} on record: ${hint}.`);
  const at = run.finishedAt ?? run.createdAt;
  const age = s.clock.now().getTime() - at.getTime();
  const what = `newest sandbox restore ${runRef(run.number)} ${run.state} ${at.toISOString()} (${formatDuration(age)} ago)`;
  if (run.state !== 'completed') return fail(`${what}: ${hint}.`);
  if (age > RESTORE_TEST_WITHIN_MS) return fail(`${what}: more than 30 days ago; ${hint}.`);
  return pass(`${what}: restored and validated without touching the live tenant`);
}

async function alerts(s: CheckSources, tenant: string): Promise<Check> {
  const rules = `tenantops ships ${s.shippedAlerts.length} per-tenant Prometheus rules by tenant_id (${s.shippedAlerts.join(', ')})`;
  if (!s.metrics)
    return ask(
      `${rules}; target.prometheusUrl is not set, so tenantops cannot see them: confirm the rules are loaded and ${tenant}'s dashboards show data.`,
    );
  const m = await s.metrics.requestsPerMinute(tenant);
  if (m.status === 'ok' && m.requestsPerMinute !== null)
    return pass(
      `${rules}; Prometheus has ${tenant}'s series: ${Math.round(m.requestsPerMinute)} requests/min`,
    );
  if (m.status === 'ok')
    return fail(
      `${rules}; Prometheus has no samples for ${tenant} (${m.query}): its dashboards and alerts would be empty`,
    );
  if (m.status === 'failed')
    return fail(`${rules}; Prometheus query failed (${m.reason}): ${m.message}`);
  return ask(`${rules}; no Prometheus configured: confirm by hand.`);
}

async function keyRotation(s: CheckSources, tenant: string): Promise<Check> {
  const st = await s.keys.status(tenant);
  if (st.backend === 'local-dev')
    return fail(
      `${st.keyRef}: the local keyring is dev only (VAULT_ADDR is not set) and protects nothing; set VAULT_ADDR/VAULT_TOKEN for Vault.`,
    );
  const a = assessRotation(st.versions, s.clock.now(), s.rotateEvery);
  if (a.state === 'missing')
    return fail(
      `no key ${st.keyRef} in Vault: /runbook run tenant-key-rotate ${tenant} creates it.`,
    );
  const what = `${st.keyRef} version ${a.latestVersion}, created ${a.latestCreatedAt.toISOString()}; rotation due ${a.dueAt.toISOString()}`;
  if (a.state === 'due') return fail(`${what}: overdue; /runbook run tenant-key-rotate ${tenant}.`);
  return pass(
    `${what} (in ${formatDuration(a.dueAt.getTime() - s.clock.now().getTime())}; the rotation watch opens the run)`,
  );
}

const CHECKS: Record<ItemId, (s: CheckSources, tenant: string) => Promise<Check>> = {
  tenant_header: tenantHeader,
  rls,
  backups,
  restore_tested: restoreTested,
  alerts,
  key_rotation: keyRotation,
  support_trained: () =>
    Promise.resolve(
      ask(
        'only a person can tell: an approver confirms the support team is trained for this tenant.',
      ),
    ),
};

/** Runs one item's check; a check that cannot finish fails with the reason, never passes. */
export async function checkItem(
  s: CheckSources,
  tenant: string,
  id: ItemId,
): Promise<ChecklistItem> {
  try {
    return { id, ...(await CHECKS[id](s, tenant)) };
  } catch (err) {
    return {
      id,
      state: 'fail',
      evidence: `could not check: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}
