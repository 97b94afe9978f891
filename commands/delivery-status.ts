import { incidentDeliveryFailures } from '../src/app/delivery-status';
import type { Incident } from '../src/domain/incidents/incident';
import { renderDeliveryFailures } from '../templates/delivery-failures';
import type { CommandDeps } from './command-support';

/** The `/incident status` line about Slack messages that could not be delivered (none: no line). */
export async function deliveryStatusLines(
  deps: CommandDeps,
  incident: Incident,
): Promise<string[]> {
  const { total, recent } = await incidentDeliveryFailures(deps.incidents, incident);
  return renderDeliveryFailures(recent, total);
}
