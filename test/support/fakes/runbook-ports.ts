// The runbook engine's queue and notices: BullmqRunbookJobs (runbook-queue.ts) with a queue that
// keeps jobs by id as BullMQ does, and notices that record what would be posted.
import type { Run } from '../../../src/domain/runbooks/runbook';
import type { Clock } from '../../../src/ports/clock';
import type {
  CommsDraft,
  RestoreOffer,
  RunbookNotices,
  RpoStale,
  SharedFile,
} from '../../../src/ports/runbook-notices';
import { RUNBOOK_JOBS, type RunbookJobs } from '../../../src/ports/runbook-store';
import { clone } from './memory-db';

export type RunbookJobName = (typeof RUNBOOK_JOBS)[keyof typeof RUNBOOK_JOBS];

export interface QueuedJob {
  id: string;
  name: RunbookJobName;
  run: number;
  /** advance: the run's version it was queued for; watch: the check's number. */
  version?: number;
  check?: number;
  /** When it becomes due (the clock's time at `add`, plus the delay). */
  at: Date;
}

/**
 * The `runbooks` queue. Job ids are those of BullmqRunbookJobs; as in BullMQ, adding an id that
 * is still waiting, delayed or being processed is a no-op, and a finished job is removed
 * (`removeOnComplete`), so its id can come again.
 */
export class MemoryRunbookJobs implements RunbookJobs {
  /** Every add, including those dropped as duplicates. */
  readonly added: QueuedJob[] = [];
  private readonly queued = new Map<string, QueuedJob>();
  private readonly active = new Set<string>();

  constructor(private readonly clock: Clock) {}

  advance(run: number, version: number, delayMs = 0): Promise<void> {
    return this.add({
      id: `rb-${run}-v${version}`,
      name: RUNBOOK_JOBS.advance,
      run,
      version,
      at: new Date(this.clock.now().getTime() + Math.max(0, delayMs)),
    });
  }

  watch(run: number, at: Date, check: number): Promise<void> {
    return this.add({ id: `rb-${run}-watch-${check}`, name: RUNBOOK_JOBS.watch, run, check, at });
  }

  rto(run: number, at: Date): Promise<void> {
    return this.add({ id: `rb-${run}-rto`, name: RUNBOOK_JOBS.rto, run, at });
  }

  private add(job: QueuedJob): Promise<void> {
    this.added.push(clone(job));
    if (!this.queued.has(job.id) && !this.active.has(job.id)) this.queued.set(job.id, job);
    return Promise.resolve();
  }

  /** Jobs waiting or delayed, soonest first. */
  pending(name?: RunbookJobName): QueuedJob[] {
    return [...this.queued.values()]
      .filter((j) => name === undefined || j.name === name)
      .sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  /** A worker takes the soonest due job of `name` (due: at or before the clock's time). */
  take(name?: RunbookJobName): QueuedJob | undefined {
    const now = this.clock.now().getTime();
    const job = this.pending(name).find((j) => j.at.getTime() <= now);
    if (!job) return undefined;
    this.queued.delete(job.id);
    this.active.add(job.id);
    return clone(job);
  }

  /** The job finished (completed or failed): removed, as removeOnComplete/removeOnFail do. */
  finished(job: QueuedJob): void {
    this.active.delete(job.id);
  }

  /** `job.moveToDelayed(at)`: the same job, due again at `at`. */
  delay(job: QueuedJob, at: Date): void {
    this.active.delete(job.id);
    this.queued.set(job.id, { ...clone(job), at: new Date(at) });
  }

  /** Redis lost every job (the reconciler's reason to exist). */
  lose(): void {
    this.queued.clear();
  }
}

/** What the engine asked chat to say besides the progress message. */
export class RecordingRunbookNotices implements RunbookNotices {
  readonly approvals: { run: number; approvers: string[] }[] = [];
  readonly rtoBreaches: { run: number; comms: string[] }[] = [];
  readonly rpo: RpoStale[][] = [];

  approvalNeeded(run: Run, approvers: readonly string[]): Promise<void> {
    this.approvals.push({ run: run.number, approvers: [...approvers] });
    return Promise.resolve();
  }

  rtoBreached(run: Run, comms: readonly string[]): Promise<void> {
    this.rtoBreaches.push({ run: run.number, comms: [...comms] });
    return Promise.resolve();
  }

  rpoStale(tenants: readonly RpoStale[]): Promise<void> {
    this.rpo.push(clone([...tenants]));
    return Promise.resolve();
  }

  readonly drafts: { run: number; draft: CommsDraft }[] = [];
  readonly offers: { run: number; offer: RestoreOffer }[] = [];
  readonly files: { place: { channel: string; threadTs?: string }; file: SharedFile }[] = [];

  commsDraft(run: Run, draft: CommsDraft): Promise<void> {
    this.drafts.push({ run: run.number, draft: clone(draft) });
    return Promise.resolve();
  }

  restoreOffer(run: Run, offer: RestoreOffer): Promise<void> {
    this.offers.push({ run: run.number, offer: clone(offer) });
    return Promise.resolve();
  }

  shareFile(place: { channel: string; threadTs?: string }, file: SharedFile): Promise<void> {
    this.files.push({ place, file });
    return Promise.resolve();
  }
}
