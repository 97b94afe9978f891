import type { Incident, IncidentRole, Severity } from '../domain/incidents/incident';

/** Where an incident lives in chat once opened. */
export interface IncidentPlace {
  channelId: string;
  threadTs?: string;
  cardTs: string;
}

/**
 * What happened, for the incident's channel or thread: a view model the chat adapter renders
 * (templates/incident-posts.ts), so user text is escaped there and never read as markup.
 */
export type IncidentPost =
  | { kind: 'acknowledged'; actor: string }
  | { kind: 'update'; actor: string; text: string; tenants?: string[] }
  | { kind: 'severity_changed'; actor: string; from: Severity; to: Severity }
  | { kind: 'role_assigned'; actor: string; user: string; role: IncidentRole }
  | { kind: 'tenant_added'; actor: string; tenant: string }
  | { kind: 'mitigated'; actor: string; note: string }
  | { kind: 'resolved'; actor: string; summary: string }
  | {
      kind: 'security_marked';
      actor: string;
      awareAt: Date;
      dueAt: Date;
      tenants: string[];
      /** ms left until the notification is due. */
      leftMs: number;
    }
  | { kind: 'notified'; actor: string; tenants: string[] };

/** How incidents show up in chat: channel or thread, the card, and posts into it. */
export interface IncidentNotifier {
  /** Creates the incident's channel (or thread), posts its card, announces it, invites people. */
  opened(incident: Incident, invite: readonly string[]): Promise<IncidentPlace>;
  /** Re-renders the card after a change of state, severity, roles or tenants. */
  cardChanged(incident: Incident): Promise<void>;
  /** Posts what happened into the incident's channel or thread. */
  post(incident: Incident, post: IncidentPost): Promise<void>;
  invite(incident: Incident, users: readonly string[]): Promise<void>;
}
