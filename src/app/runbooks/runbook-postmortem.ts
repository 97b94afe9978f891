import { runRef } from '../../domain/runbooks/runbook';
import type { PostmortemContributor } from '../../ports/postmortem-store';
import type { RunbookStore } from '../../ports/runbook-store';

/** The incident's runbook runs and their steps, for its post-mortem (in the reader's scope). */
export function runbookContributor(store: RunbookStore): PostmortemContributor {
  return {
    name: 'runbooks',
    async contribute(scope, incident) {
      const runs = await store.list(scope, { incident, limit: 100 });
      return {
        runbookRuns: runs.reverse().map((r) => ({
          id: runRef(r.number),
          runbook: r.runbook,
          tenant: r.tenant,
          state: r.dryRun ? `${r.state} (dry run)` : r.state,
          startedAt: r.createdAt,
          finishedAt: r.finishedAt,
          startedBy: r.requestedBy,
          steps: r.steps.map((s) => ({
            name: s.title,
            state: s.state,
            at: s.finishedAt ?? s.startedAt,
            ...((s.error ?? s.output) ? { note: (s.error ?? s.output) as string } : {}),
          })),
        })),
      };
    },
  };
}
