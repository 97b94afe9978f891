import type { DeliveryFailureLog } from '../src/ports/chat-outbox';
import { renderDeliveryFailures } from '../templates/delivery-failures';
import type { StatusSection } from './command-support';

/** The `/incident status` line about Slack messages that could not be delivered (none: no line). */
export function deliveryStatusSection(log: DeliveryFailureLog): StatusSection {
  return async (_actor, incident) => {
    if (!incident.channelId) return [];
    const { total, recent } = await log.failuresIn(
      incident.channelId,
      incident.threadTs ?? undefined,
      1,
    );
    return renderDeliveryFailures(recent, total);
  };
}
