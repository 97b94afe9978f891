import type { Incident } from '../domain/incidents/incident';
import type { DeliveryFailure, DeliveryFailureLog } from '../ports/chat-outbox';
import type { IncidentDeps } from './incident-deps';

// Bolt listeners get the incident deps from the composition root; the Slack delivery module
// attaches its failure log here so `/incident status` can show failed deliveries.
const attached = new WeakMap<IncidentDeps, DeliveryFailureLog>();

export function provideDeliveryFailures(incidents: IncidentDeps, log: DeliveryFailureLog): void {
  attached.set(incidents, log);
}

/** Slack calls that failed for good in the incident's channel (or thread); none without a log. */
export async function incidentDeliveryFailures(
  incidents: IncidentDeps,
  incident: Incident,
): Promise<{ total: number; recent: DeliveryFailure[] }> {
  const log = attached.get(incidents);
  if (!log || !incident.channelId) return { total: 0, recent: [] };
  return log.failuresIn(incident.channelId, incident.threadTs ?? undefined, 1);
}
