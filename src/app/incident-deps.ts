import type { Clock } from '../ports/clock';
import type { AccessStore, AuditLog, IncidentStore } from '../ports/incident-store';
import type { IncidentNotifier } from '../ports/incident-notifier';
import type { Incident } from '../domain/incidents/incident';

/** An `/incident update` as posted: the tenants it speaks for (the actor's), its text. */
export interface PostedUpdate {
  /** The affected tenants this update applies to: those named, or all the actor may update. */
  tenants: string[];
  /** Masked text, as stored on the timeline. */
  text: string;
  actor: string;
  at: Date;
}

/** Called after an incident change commits; the SLA clocks and customer drafts subscribe here. */
export interface IncidentListener {
  declared?(incident: Incident): Promise<void>;
  updated?(incident: Incident, update: PostedUpdate): Promise<void>;
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
