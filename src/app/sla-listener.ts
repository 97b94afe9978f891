import type { IncidentListener } from './incident-deps';
import { recomputeClocks, resetUpdateClocks, syncIncidentClocks } from './sla-clocks';
import type { SlaDeps } from './sla-deps';

/**
 * The SLA clocks' side of the incident use cases, called after each change commits. A failure
 * here must not turn a committed change into an error for the person who made it: it is logged,
 * the reconciler repairs missing clocks, and a firing timer re-checks the timeline for updates.
 */
export function slaListener(deps: SlaDeps): IncidentListener {
  const guard = async (
    hook: string,
    incident: number,
    work: () => Promise<unknown>,
  ): Promise<void> => {
    try {
      await work();
    } catch (err) {
      deps.log.error(
        { err, incident, hook },
        'SLA clocks not updated; the reconciler repairs them',
      );
    }
  };
  return {
    declared: (i) => guard('declared', i.number, () => syncIncidentClocks(deps, i.number)),
    tenantAdded: (i) => guard('tenantAdded', i.number, () => syncIncidentClocks(deps, i.number)),
    resolved: (i) => guard('resolved', i.number, () => syncIncidentClocks(deps, i.number)),
    severityChanged: (i) =>
      guard('severityChanged', i.number, () => recomputeClocks(deps, i.number)),
    updated: (i, update) =>
      guard('updated', i.number, () => resetUpdateClocks(deps, i.number, update.tenants)),
  };
}
