import type { Clock } from '../ports/clock';
import type { AccessStore, AuditLog, IncidentStore } from '../ports/incident-store';
import type { IncidentNotifier } from '../ports/incident-notifier';
import type { Incident } from '../domain/incidents/incident';

/** Called after an incident change commits; the SLA clocks subscribe here. */
export interface IncidentListener {
  declared?(incident: Incident): Promise<void>;
  updated?(incident: Incident, tenant: string | undefined): Promise<void>;
  severityChanged?(incident: Incident): Promise<void>;
  tenantAdded?(incident: Incident, tenant: string): Promise<void>;
  resolved?(incident: Incident): Promise<void>;
}

/** What the incident use cases need, and nothing more. */
export interface IncidentDeps {
  store: IncidentStore;
  access: AccessStore;
  audit: AuditLog;
  notifier: IncidentNotifier;
  clock: Clock;
  listeners?: IncidentListener[];
}

/** Who is acting and where: a Slack user, and the channel/thread the command came from. */
export interface Actor {
  user: string;
  channel?: string;
  threadTs?: string;
}

export async function notifyListeners(
  deps: IncidentDeps,
  call: (l: IncidentListener) => Promise<void> | undefined,
): Promise<void> {
  for (const listener of deps.listeners ?? []) await call(listener);
}
