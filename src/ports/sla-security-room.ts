import type { Incident } from '../domain/incidents/incident';

/**
 * Where a security incident continues in private. Slack can't make a public channel private
 * (admin.conversations.convertToPrivate is Enterprise Grid admin-only), so the adapter opens a
 * private channel with the incident's card and leaves a notice in the public one.
 */
export interface SecurityRoom {
  /** Opens the private channel, invites `invite`, posts the card; returns the new place. */
  open(
    incident: Incident,
    invite: readonly string[],
  ): Promise<{ channelId: string; cardTs: string }>;
}
