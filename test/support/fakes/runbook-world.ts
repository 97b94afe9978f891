// The runbook use cases and engine wired to in-memory ports, on the access tests' world (tenants
// acme, globex, initech; ACTORS): an approver and a responder on acme, the runbooks a test
// defines, and workers that take the queue's due jobs as jobs/runbook-step.ts does.
import { checkRto, runWatch } from '../../../src/app/runbooks/runbook-aftercare';
import type { RunbookDef } from '../../../src/app/runbooks/runbook-def';
import type { RunbookDeps, RunbookSettings } from '../../../src/app/runbooks/runbook-deps';
import { advanceRun, type AdvanceOutcome } from '../../../src/app/runbooks/runbook-engine';
import { DomainError } from '../../../src/domain/errors';
import type { RunbookName } from '../../../src/domain/runbooks/runbook';
import type { TargetSystem } from '../../../src/ports/target-system';
import { MemoryBackupCatalog } from './memory-backup-catalog';
import { MemoryRunbookStore } from './memory-runbook-store';
import { RecordingOutbox } from './recording-ports';
import { MemoryRunbookJobs, RecordingRunbookNotices, type QueuedJob } from './runbook-ports';
import { ACTORS, makeWorld, type World } from './world';

const MINUTE = 60_000;

/** People of the runbook world besides ACTORS (acme's commander starts the runs). */
export const RUNBOOK_PEOPLE = {
  requester: ACTORS.acme.user,
  approver: 'U0APPROVER',
  responder: 'U0RESPONDER',
} as const;

export const NO_TARGET = 'TARGET_DATABASE_URL is not set: this runbook needs the SaaS database.';

/** A job a worker processed, and what came of it. */
export interface Worked {
  job: QueuedJob;
  outcome?: AdvanceOutcome;
  /** A DomainError fails the job for good (UnrecoverableError). */
  failed?: string;
}

export interface RunbookWorld extends World {
  store: MemoryRunbookStore;
  jobs: MemoryRunbookJobs;
  notices: RecordingRunbookNotices;
  outbox: RecordingOutbox;
  catalog: MemoryBackupCatalog;
  deps: RunbookDeps;
  /** Workers take every due job (advance, watch, rto), one at a time, until none is due. */
  work(): Promise<Worked[]>;
  /** A worker takes the soonest due job, if any. */
  workOne(): Promise<Worked | undefined>;
  /** The clock moves on by `ms`. */
  later(ms: number): void;
}

export function makeRunbookWorld(opts: {
  runbooks: Partial<Record<RunbookName, RunbookDef>>;
  settings?: Partial<RunbookSettings>;
  target?: TargetSystem;
}): RunbookWorld {
  const w = makeWorld();
  w.db.seed((t) => {
    t.roleBindings.push(
      { user: RUNBOOK_PEOPLE.approver, tenant: 'acme', role: 'approver' },
      { user: RUNBOOK_PEOPLE.responder, tenant: 'acme', role: 'responder' },
    );
  });
  const store = new MemoryRunbookStore(w.db, w.clock);
  const jobs = new MemoryRunbookJobs(w.clock);
  const notices = new RecordingRunbookNotices();
  const outbox = new RecordingOutbox();
  const catalog = new MemoryBackupCatalog(w.db, w.clock);
  const deps: RunbookDeps = {
    store,
    jobs,
    incidents: w.incidents,
    outbox,
    notices,
    ...(opts.target ? { target: opts.target } : {}),
    noTarget: NO_TARGET,
    runbooks: opts.runbooks,
    clock: w.clock,
    settings: { rtoMs: 120 * MINUTE, leaseMs: MINUTE, maxAttempts: 3, ...opts.settings },
    log: w.log,
  };

  /** What runbookProcessor does with one job (BullMQ's DelayedError becomes `delay`). */
  async function process(job: QueuedJob): Promise<Worked> {
    try {
      if (job.name === 'advance') {
        const outcome = await advanceRun(deps, job.run);
        if (outcome.kind === 'busy') {
          jobs.delay(job, new Date(outcome.until.getTime() + 1000));
          return { job, outcome };
        }
        jobs.finished(job);
        return { job, outcome };
      }
      if (job.name === 'watch' && job.check !== undefined) await runWatch(deps, job.run, job.check);
      else if (job.name === 'rto') await checkRto(deps, job.run);
      else throw new Error(`no processor for ${job.name}`);
      jobs.finished(job);
      return { job };
    } catch (err) {
      jobs.finished(job);
      if (err instanceof DomainError) return { job, failed: `${err.code}: ${err.message}` };
      throw err;
    }
  }

  async function workOne(): Promise<Worked | undefined> {
    const job = jobs.take();
    return job ? process(job) : undefined;
  }

  async function work(): Promise<Worked[]> {
    const done: Worked[] = [];
    for (let job = jobs.take(); job; job = jobs.take()) {
      if (done.length > 500) throw new Error('the runbook queue never runs dry');
      done.push(await process(job));
    }
    return done;
  }

  const later = (ms: number) => w.clock.set(new Date(w.clock.now().getTime() + ms));
  return { ...w, store, jobs, notices, outbox, catalog, deps, work, workOne, later };
}
