import type { Run, RunbookName, StepKind } from '../../domain/runbooks/runbook';
import type { RunbookNotices } from '../../ports/runbook-notices';
import type { TargetSystem } from '../../ports/target-system';
import type { IncidentRunbookOps } from './incident-ops';

/** What the incident and security runbooks' steps use besides the target, and where they post. */
export interface StepOps extends IncidentRunbookOps {
  notices: RunbookNotices;
  /** The tenant's comms role holders. */
  comms(tenant: string): Promise<string[]>;
}

/** What a step sees when it runs: the run, the facts earlier steps passed on, the systems. */
export interface StepContext {
  run: Run;
  tenant: string;
  params: Record<string, string>;
  /** Facts earlier steps passed on (merged `StepResult.data`). */
  context: Record<string, unknown>;
  /** The SaaS's database; throws a clear DomainError when none is configured. */
  target(): TargetSystem;
  /** Keys, load, audit log, incidents, notices; throws a clear DomainError when not wired. */
  ops(): StepOps;
  now(): Date;
}

export interface StepResult {
  /** One line for the progress message and the timeline. */
  summary: string;
  /** Facts for later steps (and for undo). */
  data?: Record<string, unknown>;
  /**
   * The incident the run belongs to from now on, when it belongs to none yet: its notes (this
   * step's included) go to that incident's timeline.
   */
  incident?: number;
}

/**
 * One step of a runbook. `run` must be safe to run twice (a worker can die after it acted and
 * before it recorded): it checks the target's real state first. `undo` likewise.
 */
export interface StepDef {
  id: string;
  title: string;
  kind?: StepKind;
  /** What it would change, for `--dry-run` (reads only). */
  plan(ctx: StepContext): Promise<string>;
  run(ctx: StepContext): Promise<StepResult>;
  undo?(ctx: StepContext): Promise<string>;
  /** A failure later in the run undoes this step (e.g. paused writes are resumed). */
  undoOnFailure?: boolean;
}

/** A runbook: its steps (fixed when the run is recorded), and what it needs. */
export interface RunbookDef {
  name: RunbookName;
  summary: string;
  /** Changes the tenant: one at a time per tenant, and approval-gated where the steps say. */
  destructive: boolean | ((params: Record<string, string>) => boolean);
  /** Acts on TARGET_DATABASE_URL (refused up front without one). */
  needsTarget: boolean;
  /** The restore's RTO clock runs from its first step. */
  rto?: boolean;
  steps(params: Record<string, string>): StepDef[];
  /**
   * Reads only, before the run is recorded: refuses bad input that the target can tell (a backup
   * of another tenant, a migration that isn't the next one) with a clear message.
   */
  precheck?(ctx: {
    tenant: string;
    params: Record<string, string>;
    target(): TargetSystem;
  }): Promise<void>;
  /**
   * The outcome of a failed run when the generic one ("what had to be undone … was undone") is
   * not true: leak response keeps its containment in force and says which.
   */
  failureOutcome?(run: Run): string;
  /** After-care, once the run completed (restore: hourly checks for 24 h). */
  watch?: {
    checks: number;
    everyMs: number;
    check(ctx: StepContext, n: number): Promise<{ ok: boolean; summary: string }>;
  };
}

/** An approval gate: the run waits here until a second person with `approver` approves. */
export function approvalStep(id: string, title: string): StepDef {
  return {
    id,
    title,
    kind: 'approval',
    plan: () => Promise.resolve('wait for an approver other than the requester'),
    run: () => Promise.resolve({ summary: 'approved' }),
  };
}
