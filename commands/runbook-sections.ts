import type { RunbookDeps } from '../src/app/runbooks/runbook-deps';
import { recentRuns } from '../src/app/runbooks/runbook-commands';
import { formatDuration } from '../src/domain/sla/duration';
import { runRef, RUN_STATE_TEXT } from '../src/domain/runbooks/runbook';
import { Scope } from '../src/domain/tenants/scope';
import type { BackupCatalog } from '../src/ports/backup-catalog';
import { escapeMrkdwn } from '../templates/mrkdwn';
import type { StatusSection, TenantSection } from './command-support';

/** `/incident status`: the incident's runbook runs the actor may see. */
export function runbookStatusSection(deps: RunbookDeps): StatusSection {
  return async (actor, incident) => {
    const runs = await recentRuns(deps, actor, 50, incident.number);
    if (runs.length === 0) return [];
    const lines = runs.map(
      (r) =>
        `• *${runRef(r.number)}* ${r.runbook} *${escapeMrkdwn(r.tenant)}* — ${RUN_STATE_TEXT[r.state]}${r.dryRun ? ' (dry run)' : ''}`,
    );
    return [`*Runbook runs*\n${lines.join('\n')}`];
  };
}

/**
 * `/tenant status`: the tenant's newest good backup and its age against the RPO, and its last
 * runs. The caller already checked the actor sees the tenant.
 */
export function runbookTenantSection(
  deps: RunbookDeps,
  catalog: BackupCatalog,
  rpoMs: number,
): TenantSection {
  return async (actor, tenant) => {
    const backups = await catalog.listOf(tenant);
    const good = backups.find((b) => b.status === 'complete' && b.snapshotAt);
    const now = deps.clock.now().getTime();
    const age = good?.snapshotAt ? now - good.snapshotAt.getTime() : undefined;
    const backupLine = good
      ? `Newest backup: ${good.kind} \`${escapeMrkdwn(good.id)}\`, ${formatDuration(Math.max(1000, age ?? 0))} old${(age ?? 0) > rpoMs ? ` :warning: older than the RPO (${formatDuration(rpoMs)})` : ` (RPO ${formatDuration(rpoMs)})`}`
      : `Newest backup: none :warning: (RPO ${formatDuration(rpoMs)}) — \`/runbook run tenant-backup ${tenant}\``;
    const runs = (await deps.store.list(Scope.of([tenant]), { tenant, limit: 3 })).filter(
      (r) => r.requestedBy === actor.user || r.tenant === tenant,
    );
    const recent = runs.map((r) => `${runRef(r.number)} ${r.runbook} ${RUN_STATE_TEXT[r.state]}`);
    const target = deps.target ? ` · target: ${escapeMrkdwn(deps.target.description)}` : '';
    return [
      `${backupLine}${target}`,
      ...(recent.length ? [`Recent runs: ${recent.join(' · ')}`] : []),
    ];
  };
}
