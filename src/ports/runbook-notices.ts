import type { Run } from '../domain/runbooks/runbook';

/**
 * What the runbook engine says in chat besides its live progress message: a view of the run,
 * rendered by the chat adapter (templates/), so no Slack markup is built in the use cases.
 */
export interface RunbookNotices {
  /** A gate waits: the approvers of the run's tenant are asked (never the requester). */
  approvalNeeded(run: Run, approvers: readonly string[]): Promise<void>;
  /** A restore's RTO passed with writes still paused: posted like an SLA breach. */
  rtoBreached(run: Run, comms: readonly string[]): Promise<void>;
  /** Tenants whose newest good backup just got older than the RPO (platform channel). */
  rpoStale(tenants: readonly RpoStale[]): Promise<void>;
  /**
   * A draft for the tenant's comms role (a plan-upgrade suggestion, a customer message) in the
   * run's thread, marked as a draft: it is never sent to a customer without a person.
   */
  commsDraft(run: Run, draft: CommsDraft): Promise<void>;
  /** Altered data was found: a `tenant-restore` of the run's tenant is offered with a button. */
  restoreOffer(run: Run, offer: RestoreOffer): Promise<void>;
  /** A file (a leak response's audit-log extract) shared in an incident's channel or thread. */
  shareFile(place: { channel: string; threadTs?: string }, file: SharedFile): Promise<void>;
}

export interface CommsDraft {
  /** The comms role holders of the tenant (mentioned). */
  comms: readonly string[];
  /** What the draft is ("Plan upgrade suggestion"). */
  title: string;
  text: string;
}

export interface RestoreOffer {
  /** What was found altered (damaged tables, failed checks). */
  findings: readonly string[];
  /** The incident the restore would belong to. */
  incident: number | null;
}

export interface SharedFile {
  filename: string;
  title: string;
  content: string;
  comment: string;
}

/** A tenant past its RPO: its newest complete backup (none: never backed up). */
export interface RpoStale {
  tenant: string;
  newest: { id: string; at: Date } | null;
  rpoMs: number;
}
