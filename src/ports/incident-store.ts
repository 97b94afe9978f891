import type { RoleBinding } from '../domain/access/access';
import type { Scope } from '../domain/tenants/scope';
import type {
  Incident,
  IncidentRole,
  Severity,
  TimelineEntry,
  TimelineKind,
} from '../domain/incidents/incident';

export { Scope } from '../domain/tenants/scope';

export interface Tenant {
  id: string;
  name: string;
  plan: string;
  commsChannel: string | null;
}

export interface NewIncident {
  title: string;
  severity: Severity;
  tenants: string[];
  declaredBy: string;
  declaredAt: Date;
}

export interface IncidentChanges {
  state?: Incident['state'];
  severity?: Severity;
  channelId?: string;
  threadTs?: string;
  cardTs?: string;
  acknowledgedAt?: Date;
  mitigatedAt?: Date;
  resolvedAt?: Date;
  summary?: string;
  security?: boolean;
  role?: { role: IncidentRole; user: string };
}

export interface NewTimelineEntry {
  at: Date;
  actor: string | null;
  kind: TimelineKind;
  text: string;
  /** Tenants the entry concerns; defaults to all of the incident's tenants. */
  tenants?: string[];
  data?: Record<string, unknown>;
}

/** One transaction's view of tenantops' data, filtered by row-level security to its scope. */
export interface IncidentTx {
  tenants(ids?: readonly string[]): Promise<Tenant[]>;
  createIncident(input: NewIncident): Promise<Incident>;
  findIncident(number: number, opts?: { forUpdate?: boolean }): Promise<Incident | undefined>;
  updateIncident(number: number, changes: IncidentChanges): Promise<Incident>;
  addIncidentTenant(number: number, tenant: string, by: string, at: Date): Promise<Incident>;
  appendTimeline(number: number, entry: NewTimelineEntry): Promise<void>;
  timeline(number: number): Promise<TimelineEntry[]>;
  /** True when an entry of `kind` whose data contains `data` exists (redelivery checks). */
  timelineHas(number: number, kind: TimelineKind, data: Record<string, string>): Promise<boolean>;
  listIncidents(filter: { tenant?: string; open?: boolean; limit?: number }): Promise<Incident[]>;
}

/** Where a command was typed or a message was posted in Slack. */
export interface ChatPlace {
  channel: string;
  /** The thread the command or message is in (its root's ts). */
  threadTs?: string;
  /**
   * A message (pins): only the incident whose own channel it is in, or whose thread it is in
   * or roots, matches; the "one open incident in a shared channel" convenience does not.
   */
  messageTs?: string;
}

/** Transactions over tenantops' own data. */
export interface IncidentStore {
  /** Runs `fn` in one transaction that sees only rows of `scope`'s tenants (row-level security). */
  inScope<T>(scope: Scope, fn: (tx: IncidentTx) => Promise<T>): Promise<T>;
  /**
   * For reads only (a write fails): `fn`'s queries see only `scope`'s tenants, as in `inScope`,
   * but each is its own transaction, so two of them may see two instants. They may run
   * concurrently (`Promise.all`); issued together, they share one round trip.
   */
  readInScope<T>(scope: Scope, fn: (tx: IncidentTx) => Promise<T>): Promise<T>;
  /**
   * Routing, read platform-wide: the incident whose channel (own channel, or thread in a shared
   * channel) this is; in a shared channel without a thread, the one open incident there, or
   * 'ambiguous' when several are open. Only the number comes back: visibility is checked by the
   * caller's scoped transaction.
   */
  incidentAt(place: ChatPlace): Promise<number | 'ambiguous' | undefined>;
}

/** Who may do what: role bindings, read platform-wide. */
export interface AccessStore {
  bindingsOf(user: string): Promise<RoleBinding[]>;
  holdersOf(tenants: readonly string[], role: RoleBinding['role']): Promise<string[]>;
}

export interface AuditEntry {
  at: Date;
  actor: string;
  action: string;
  outcome: 'allowed' | 'denied' | 'rejected';
  tenantIds: string[];
  incident?: number;
  reason?: string;
}

/** The append-only audit log; writes in its own transaction so refusals are kept. */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}
