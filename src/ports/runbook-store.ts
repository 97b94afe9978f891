import type { Scope } from '../domain/tenants/scope';
import type { Run, RunbookName, RunState, StepKind, StepState } from '../domain/runbooks/runbook';

export interface NewRun {
  runbook: RunbookName;
  tenant: string;
  params: Record<string, string>;
  dryRun: boolean;
  destructive: boolean;
  requestedBy: string;
  incident: number | null;
  steps: { id: string; title: string; kind: StepKind }[];
  place: { channel: string | null; threadTs: string | null };
  demo: boolean;
}

export interface RunChanges {
  state?: RunState;
  outcome?: string;
  finishedAt?: Date;
  rtoDueAt?: Date;
  /** Merged into the run's context (facts steps pass on). */
  context?: Record<string, unknown>;
  messageTs?: string;
  /**
   * The incident the run belongs to, set only if it has none (leak response links the security
   * incident it opened, so later steps' notes reach that incident's timeline).
   */
  incident?: number;
}

export interface StepChanges {
  state?: StepState;
  startedAt?: Date;
  finishedAt?: Date;
  output?: string;
  error?: string | null;
  approvedBy?: string;
  /** Counts one more attempt. */
  attempt?: boolean;
  /** Who holds the step while it runs, and until when (null: released). */
  lease?: { token: string; until: Date } | null;
}

/** A run the reconciler looks at: whether a live worker holds one of its steps, its after-care. */
export interface ActiveRun {
  number: number;
  runbook: RunbookName;
  tenant: string;
  state: RunState;
  version: number;
  leased: boolean;
  rtoDueAt: Date | null;
  /** Completed runs still watching: when they finished, and how many checks are done. */
  watchSince: Date | null;
  watchDone: number;
}

/** A step's lease, for a second worker to tell a running step from an abandoned one. */
export interface StepLease {
  token: string | null;
  until: Date | null;
}

/** One transaction on a run, under its row lock. Every change bumps the run's version. */
export interface RunTx {
  update(changes: RunChanges): Promise<void>;
  updateStep(index: number, changes: StepChanges): Promise<void>;
  lease(index: number): Promise<StepLease>;
}

/** Runbook runs in tenantops' database (row-level security by the run's tenant). */
export interface RunbookStore {
  /**
   * Records a new run. A destructive run while another is active on the tenant is refused
   * (DomainError `tenant_busy` naming the busy run).
   */
  create(scope: Scope, run: NewRun): Promise<Run>;
  get(scope: Scope, number: number): Promise<Run | undefined>;
  /** Newest first. */
  list(scope: Scope, filter: { tenant?: string; incident?: number; limit: number }): Promise<Run[]>;
  /** `fn` on the run under its row lock; undefined when the scope can't see it. */
  withRun<T>(
    scope: Scope,
    number: number,
    fn: (tx: RunTx, run: Run) => Promise<T>,
  ): Promise<T | undefined>;
  /** Every tenant and when tenantops first knew it (the RPO of a tenant never backed up). */
  tenantsAddedAt(): Promise<{ id: string; createdAt: Date }[]>;
  /** Runs still acting on their tenant, for the reconciler (platform-wide). */
  active(): Promise<ActiveRun[]>;
  /** Extends a running step's lease if `token` still holds it (no version bump: nothing shown changes). */
  renewLease(number: number, index: number, token: string, until: Date): Promise<boolean>;
  /** Where the run's message landed. */
  messagePosted(number: number, ts: string): Promise<Run | undefined>;
  /** Newest completed `tenant-restore --sandbox` run of the tenant (go-live evidence). */
  lastRun(
    scope: Scope,
    tenant: string,
    runbook: RunbookName,
    params?: Record<string, string>,
  ): Promise<Run | undefined>;
}

/** The BullMQ side: jobs that move runs along. */
export interface RunbookJobs {
  /** Moves the run one step (idempotent: one job per run version), now or after `delayMs`. */
  advance(run: number, version: number, delayMs?: number): Promise<void>;
  /** An after-care check of the run (restore's 24 h watch) at `at`. */
  watch(run: number, at: Date, check: number): Promise<void>;
  /** Checks the run's RTO at `at`. */
  rto(run: number, at: Date): Promise<void>;
}

export const RUNBOOK_QUEUE = 'runbooks';
export const RUNBOOK_JOBS = {
  advance: 'advance',
  watch: 'watch',
  rto: 'rto',
  scheduledBackup: 'scheduled-backup',
  rpoWatch: 'rpo-watch',
  keyRotationWatch: 'key-rotation-watch',
} as const;

/** A runbook job's data: the run, and for a watch job which check it is. */
export interface RunbookJobData {
  run: number;
  check?: number;
}

/** A schedule's job: which tenant to back up, and how. */
export interface ScheduledBackupData {
  tenant: string;
  kind: 'full' | 'incremental';
}
