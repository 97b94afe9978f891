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
}

/** A tenant past its RPO: its newest complete backup (none: never backed up). */
export interface RpoStale {
  tenant: string;
  newest: { id: string; at: Date } | null;
  rpoMs: number;
}
