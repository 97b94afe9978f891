import type { Incident } from '../domain/incidents/incident';

/** Where an incident lives in chat once opened. */
export interface IncidentPlace {
  channelId: string;
  threadTs?: string;
  cardTs: string;
}

/** How incidents show up in chat: channel or thread, the card, and posts into it. */
export interface IncidentNotifier {
  /** Creates the incident's channel (or thread), posts its card, announces it, invites people. */
  opened(incident: Incident, invite: readonly string[]): Promise<IncidentPlace>;
  /** Re-renders the card after a change of state, severity, roles or tenants. */
  cardChanged(incident: Incident): Promise<void>;
  /** Posts a message into the incident's channel or thread. */
  post(incident: Incident, text: string): Promise<void>;
  invite(incident: Incident, users: readonly string[]): Promise<void>;
}
