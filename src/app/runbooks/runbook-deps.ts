import type { RunbookName } from '../../domain/runbooks/runbook';
import type { ChatOutbox } from '../../ports/chat-outbox';
import type { Clock } from '../../ports/clock';
import type { RunbookJobs, RunbookStore } from '../../ports/runbook-store';
import type { RunbookNotices } from '../../ports/runbook-notices';
import type { TargetSystem } from '../../ports/target-system';
import type { IncidentDeps } from '../incident-deps';
import type { SlaLog } from '../sla-deps';
import type { RunbookDef } from './runbook-def';
import type { IncidentRunbookOps } from './incident-ops';

/** The kind of the live message that shows a run's progress (rendered when it is sent). */
export const RUNBOOK_MESSAGE = 'runbook-run';

export interface RunbookSettings {
  /** Restores: the RTO (PRODUCT §7: 2 h per tenant). */
  rtoMs: number;
  /** How long a worker holds a running step without renewing (a dead worker's step is retried after). */
  leaseMs: number;
  /** Tries of a step whose failure may be passing (the target unreachable), before it fails. */
  maxAttempts: number;
}

/** What the runbook use cases and the engine need. */
export interface RunbookDeps {
  store: RunbookStore;
  jobs: RunbookJobs;
  /** Access, audit, the incident timeline. */
  incidents: IncidentDeps;
  /** Where progress messages go (a live message per run, edited in place). */
  outbox: ChatOutbox;
  /** Approval requests and RTO breaches. */
  notices: RunbookNotices;
  /** The SaaS's database, when configured (or the embedded demo one in console mode). */
  target?: TargetSystem;
  /** Why there is no target, for the refusal ("TARGET_DATABASE_URL is not set…"). */
  noTarget: string;
  runbooks: Partial<Record<RunbookName, RunbookDef>>;
  clock: Clock;
  settings: RunbookSettings;
  log: SlaLog;
  /** Keys, load, audit log, security incidents, follow-up runs (the issue 10 runbooks). */
  ops?: IncidentRunbookOps;
}
