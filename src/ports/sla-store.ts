import type { RoleBinding } from '../domain/access/access';
import type { Incident } from '../domain/incidents/incident';
import type { ClockKind, ClockSchedule, SlaClock } from '../domain/sla/sla-clock';
import type { NewTimelineEntry, Scope } from './incident-store';

/** An incident as the SLA clocks see it: the incident plus when the team became aware (security). */
export interface SlaIncident extends Incident {
  securityAwareAt: Date | null;
}

export interface NewClock extends ClockSchedule {
  incident: number;
  tenant: string;
  kind: ClockKind;
}

/** Fields a use case may change on a clock; `bump` starts a new generation (older timers go stale). */
export type ClockChanges = Partial<
  Pick<
    SlaClock,
    | 'status'
    | 'startedAt'
    | 'dueAt'
    | 'warnTimes'
    | 'warningsSent'
    | 'warnedAt'
    | 'repeatEveryMs'
    | 'breachedAt'
    | 'lastReminderN'
    | 'metAt'
    | 'stoppedAt'
  >
> & { bump?: boolean };

/** A warning, breach or reminder that a clock fired (the claim that makes it once-only). */
export interface SlaEvent {
  id: number;
  incident: number;
  tenant: string;
  clockId: number;
  clockKind: ClockKind;
  generation: number;
  step: string;
  dueAt: Date;
  scheduledAt: Date;
  firedAt: Date;
}

export type NewSlaEvent = Omit<SlaEvent, 'id'>;

/** What firing a step changes on a clock (see afterFiring). */
export type FiringChanges = Pick<
  ClockChanges,
  'status' | 'breachedAt' | 'warningsSent' | 'warnedAt' | 'lastReminderN'
>;

/** A timeline entry for an incident, in a batch. */
export interface IncidentEntry {
  incident: number;
  entry: NewTimelineEntry;
}

/** What a sweep's claim locked, and whether more may be due beyond it. */
export interface DueIncidents {
  incidents: SlaIncident[];
  more: boolean;
}

/** One transaction over the SLA clocks, filtered by row-level security to its scope. */
export interface SlaTx {
  incident(number: number, opts?: { forUpdate?: boolean }): Promise<SlaIncident | undefined>;
  /** When each affected tenant was added (declare time for the first ones). */
  tenantsAddedAt(number: number): Promise<Map<string, Date>>;
  tenantPlans(tenants: readonly string[]): Promise<Map<string, string>>;
  /** Bindings of these roles on these tenants, platform-wide ('*') ones included. */
  roleHolders(
    tenants: readonly string[],
    roles: readonly RoleBinding['role'][],
  ): Promise<RoleBinding[]>;
  /** The latest `/incident update` per tenant (unscoped updates count for every tenant). */
  lastUpdates(number: number): Promise<Map<string, Date>>;
  clocksOf(
    number: number,
    opts?: { activeOnly?: boolean; forUpdate?: boolean },
  ): Promise<SlaClock[]>;
  /** Creates the clock, or restarts the existing one of that (incident, tenant, kind) as a new generation. */
  startClock(clock: NewClock): Promise<SlaClock>;
  updateClock(id: number, changes: ClockChanges): Promise<SlaClock>;
  /** Records a firing; false when that (clock, generation, step) already fired. */
  insertEvent(event: NewSlaEvent): Promise<boolean>;
  /** Leases the incident's unposted events whose lease is free or expired. */
  leaseUnposted(number: number, token: string, until: Date, now: Date): Promise<SlaEvent[]>;
  releaseLease(ids: readonly number[], token: string): Promise<void>;
  appendTimeline(number: number, entry: NewTimelineEntry): Promise<void>;
  /** Marks the incident as a security incident the team became aware of at `awareAt`. */
  markSecurity(number: number, awareAt: Date): Promise<SlaIncident>;
  /**
   * Up to `limit` incidents with an active clock whose next instant is at or before `now`,
   * earliest first, each locked; incidents another transaction holds are skipped (the sweep).
   * A store may look at only the earliest due clocks, to keep a claim's cost independent of
   * the backlog: `more` then says incidents beyond those returned may be due too.
   */
  dueIncidents(now: Date, limit: number): Promise<DueIncidents>;
  /** The active clocks of these incidents, by id, locked. */
  activeClocksOf(numbers: readonly number[]): Promise<SlaClock[]>;
  /** `lastUpdates` of several incidents at once. */
  lastUpdatesOf(numbers: readonly number[]): Promise<Map<number, Map<string, Date>>>;
  /** `insertEvent` for a batch: true at each index whose event was new. */
  insertEvents(events: readonly NewSlaEvent[]): Promise<boolean[]>;
  /** Applies what firing changed to each clock; returns them as they are now. */
  recordFirings(firings: readonly { id: number; changes: FiringChanges }[]): Promise<SlaClock[]>;
  appendTimelines(entries: readonly IncidentEntry[]): Promise<void>;
  /** `leaseUnposted` for several incidents with one token. */
  leaseUnpostedOf(
    numbers: readonly number[],
    token: string,
    until: Date,
    now: Date,
  ): Promise<SlaEvent[]>;
  /** Active clocks with id > `afterId`, by id, for the reconciler. */
  activeClocks(afterId: number, limit: number): Promise<SlaClock[]>;
  /** Incidents with unposted events whose lease is free or expired, and the oldest such firing. */
  stalledDeliveries(now: Date): Promise<{ incident: number; firedAt: Date }[]>;
  /**
   * Incidents whose clocks may be missing or outdated since `since` (a listener that failed):
   * open ones with a tenant added since then and no customer clock, resolved ones with active
   * clocks or resolved since then without a post-mortem clock.
   */
  incidentsToRepair(since: Date): Promise<number[]>;
}

/** Transactions over the SLA clocks. */
export interface SlaStore {
  inScope<T>(scope: Scope, fn: (tx: SlaTx) => Promise<T>): Promise<T>;
  /**
   * For reads only (a write fails): `fn`'s queries see only `scope`'s tenants, as in `inScope`,
   * but each is its own transaction, so two of them may see two instants. They may run
   * concurrently (`Promise.all`); issued together, they share one round trip.
   */
  readInScope<T>(scope: Scope, fn: (tx: SlaTx) => Promise<T>): Promise<T>;
  /** Events still leased with this token, none posted? Then held until `until`; else false. */
  renewLease(ids: readonly number[], token: string, until: Date): Promise<boolean>;
  /** Slack took them: posted, whoever holds the lease now. */
  markPosted(ids: readonly number[], at: Date): Promise<void>;
}
