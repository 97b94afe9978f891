import { runRef, type Run, type RunbookName } from '../../domain/runbooks/runbook';
import { Scope } from '../../domain/tenants/scope';
import type { BackupCatalog } from '../../ports/backup-catalog';
import type { RpoStale } from '../../ports/runbook-notices';
import { note } from './runbook-engine';
import type { RunbookDeps } from './runbook-deps';

/** Who starts scheduled runs (the audit log's actor). */
export const SCHEDULER = 'tenantops-scheduler';

/**
 * A run the schedule starts (daily incremental, weekly full backups): system work for no
 * person, so no role is checked; it is recorded and audited like any other run.
 */
export async function startScheduledRun(
  deps: RunbookDeps,
  runbook: RunbookName,
  tenant: string,
  params: Record<string, string>,
): Promise<Run | undefined> {
  const def = deps.runbooks[runbook];
  if (!def || (def.needsTarget && !deps.target)) return undefined;
  const steps = def.steps(params);
  const run = await deps.store.create(Scope.of([tenant]), {
    runbook,
    tenant,
    params,
    dryRun: false,
    destructive: typeof def.destructive === 'function' ? def.destructive(params) : def.destructive,
    requestedBy: SCHEDULER,
    incident: null,
    steps: steps.map((s) => ({ id: s.id, title: s.title, kind: s.kind ?? 'action' })),
    place: { channel: null, threadTs: null },
    demo: Boolean(deps.target?.demo),
  });
  await note(deps, run, `started by the schedule (${runRef(run.number)})`, SCHEDULER);
  await deps.jobs.advance(run.number, run.version);
  return run;
}

/**
 * The RPO watch, run every `everyMs`: the tenants whose newest complete backup became older
 * than the RPO since the last look (a tenant never backed up counts from when it was added), so
 * each crossing is posted once to the platform channel; `/tenant status` shows every age.
 */
export async function rpoWatch(
  deps: RunbookDeps,
  catalog: BackupCatalog,
  tenants: readonly { id: string; createdAt: Date }[],
  rpoMs: number,
  everyMs: number,
): Promise<RpoStale[]> {
  const now = deps.clock.now().getTime();
  const newest = new Map((await catalog.newestPerTenant()).map((b) => [b.tenantId, b]));
  const crossed: RpoStale[] = [];
  for (const t of tenants) {
    const b = newest.get(t.id);
    const since = (b?.snapshotAt ?? t.createdAt).getTime();
    const staleAt = since + rpoMs;
    if (staleAt <= now && staleAt > now - everyMs)
      crossed.push({
        tenant: t.id,
        newest: b?.snapshotAt ? { id: b.id, at: b.snapshotAt } : null,
        rpoMs,
      });
  }
  if (crossed.length > 0) await deps.notices.rpoStale(crossed);
  return crossed;
}
