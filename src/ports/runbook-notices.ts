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
}
