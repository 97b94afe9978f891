import type { AlertAction, RuleFacts } from '../domain/alerts/alert-rules';
import type { AlertSource, NormalizedAlert } from '../domain/alerts/normalized-alert';

/** One webhook body that passed validation. */
export interface ReceivedPayload {
  source: AlertSource;
  receivedAt: Date;
  /** The body as received, JSON text (credentials redacted). */
  rawJson: string;
  problems: string[];
  alerts: NormalizedAlert[];
}

export interface StoredPayload {
  payloadId: number;
}

/** The webhook side: stores payloads, durably, for the worker to apply. */
export interface AlertIntake {
  /**
   * Stores the payload with its normalised alerts, as one row. Its alert events are made when it
   * is applied (`AlertStore.applyPayloads`): an event already stored (same source, fingerprint,
   * status and firing cycle) is skipped then, so duplicates change nothing.
   */
  store(payload: ReceivedPayload): Promise<StoredPayload>;
}

export type GroupState = 'open' | 'resolved';

/** One tenant problem (tenant + alertname) and where its thread lives. */
export interface AlertGroup {
  id: number;
  key: string;
  /** Registered tenant; absent for platform alerts and unknown tenants. */
  tenantId?: string;
  /** A tenant id from the labels that is not registered. */
  claimedTenant?: string;
  name: string;
  state: GroupState;
  action: AlertAction['kind'];
  severity?: string;
  security: boolean;
  suggestRunbook?: string;
  /** Alerts firing, and firing but acknowledged (PagerDuty); the rest of `total` resolved. */
  firing: number;
  acknowledged: number;
  total: number;
  version: number;
  incidentId?: number;
  channelId?: string;
  threadTs?: string;
  messageTs?: string;
  placed: boolean;
}

/** A group changed by applying a payload. */
export interface ChangedGroup extends AlertGroup {
  /** It went from open to resolved in this change. */
  justResolved: boolean;
  /** Created by this change and placed at once (a thread in `threadsIn`): publish it. */
  justPlaced: boolean;
}

export interface ApplyOptions {
  /** The action of a group being created, from its first firing alert. */
  decide(alert: RuleFacts): AlertAction;
  now: Date;
  /**
   * Where a new thread-only group goes when its tenant has no open incident (and platform
   * groups): placed as it is created, without a placement job. Unset: every group is placed by
   * `place`.
   */
  threadsIn?: string;
}

export interface GroupAlert {
  status: 'firing' | 'resolved' | 'acknowledged';
  summary: string;
  labels: Record<string, string>;
  startsAt: Date;
  endsAt?: Date;
  problems: string[];
}

/** The worker side: applies stored events to alerts and groups. Runs platform-wide. */
export interface AlertStore {
  /**
   * Applies the events of payloads not applied yet, in one transaction (events older than an
   * alert's current state are ignored), creating groups with the action `decide` picks. Other
   * payloads waiting to be applied may join (a bounded number, oldest first). Returns the
   * groups that changed.
   */
  applyPayloads(payloadIds: number[], opts: ApplyOptions): Promise<ChangedGroup[]>;
  group(id: number): Promise<AlertGroup | undefined>;
  groupAlerts(id: number, limit: number): Promise<GroupAlert[]>;
  /** Groups of a tenant (or platform key) not yet given a place in chat, oldest first. */
  unplacedGroups(placeKey: string): Promise<AlertGroup[]>;
  /** Records where a group's thread goes; false when it was placed already. */
  place(
    id: number,
    place: { channelId?: string; threadTs?: string; incidentId?: number },
  ): Promise<boolean>;
  /** Records the posted message; returns the group as it is now. */
  messagePosted(id: number, channelId: string, ts: string): Promise<AlertGroup | undefined>;
  /** Claims the "all resolved" notice of a group; true once. */
  claimResolveNotice(id: number): Promise<boolean>;
  /** Payloads stored but not processed since before `before` (a lost enqueue, a crash). */
  unprocessedPayloads(before: Date, limit: number): Promise<number[]>;
}

/** Background work of the alert pipeline. */
export interface AlertJobs {
  /** Queues a stored payload for processing (payloads queued together may share one job). */
  process(payloadId: number): Promise<void>;
  /** Places the unplaced groups of one tenant (or the platform), one at a time. */
  place(placeKey: string): Promise<void>;
  /** Waits for the processing queued so far to be on the queue (before a shutdown). */
  settle(): Promise<void>;
}
