// The runbook engine on in-memory ports: a run moves step by step through queued jobs; passing
// failures back off then fail; a failure, a cancel or a rollback undoes what it must in reverse;
// leases keep a second worker off a step until its holder is gone; dry runs only plan.
import type { RunbookDef } from '../../src/app/runbooks/runbook-def';
import {
  cancelRun,
  rollbackRun,
  startRun,
  type RunRequest,
} from '../../src/app/runbooks/runbook-commands';
import { advanceRun } from '../../src/app/runbooks/runbook-engine';
import { Scope } from '../../src/domain/tenants/scope';
import type { Run } from '../../src/domain/runbooks/runbook';
import { makeRunbookWorld, type RunbookWorld } from '../support/fakes/runbook-world';
import {
  final,
  passing,
  scriptedRunbook,
  ScriptedSteps,
  type StepSpec,
} from '../support/fakes/scripted-steps';
import { NOW } from '../support/fakes/world';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const ACME = Scope.of(['acme']);

function setup(specs: StepSpec[], over: Partial<RunbookDef> = {}) {
  const steps = new ScriptedSteps();
  const w = makeRunbookWorld({
    runbooks: { 'tenant-restore': scriptedRunbook(steps, specs, over) },
  });
  const start = (req: Partial<RunRequest> = {}) =>
    startRun(w.deps, w.actor('acme'), {
      runbook: 'tenant-restore',
      tenant: 'acme',
      params: {},
      dryRun: false,
      sandbox: false,
      ...req,
    });
  return { w, steps, start };
}

async function runOf(w: RunbookWorld, n: number): Promise<Run> {
  const run = await w.store.get(ACME, n);
  if (!run) throw new Error(`RB-${n} not found`);
  return run;
}

/** Each step as `id:state`. */
const states = (run: Run) => run.steps.map((s) => `${s.id}:${s.state}`);

/** The audit log's runbook lines, in order. */
const notes = (w: RunbookWorld) =>
  w.audit.entries.filter((e) => e.action === 'runbook').map((e) => e.reason ?? '');

describe('a run moves step by step', () => {
  it("runs each step once, in order, each next job queued for the run's new version", async () => {
    const { w, steps, start } = setup([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const run = await start();
    expect(w.jobs.pending('advance').map((j) => j.id)).toEqual([`rb-${run.number}-v1`]);
    for (const id of ['a', 'b', 'c']) {
      const worked = await w.workOne();
      expect(worked?.outcome).toEqual({ kind: 'stepped', step: id });
      const now = await runOf(w, run.number);
      // One job, for the version the step just recorded: a job of an older state is not made.
      expect(w.jobs.pending('advance').map((j) => j.version)).toEqual([now.version]);
    }
    expect(steps.calls).toEqual(['run:a', 'run:b', 'run:c']);
    const versions = w.jobs.added.filter((j) => j.name === 'advance').map((j) => j.version ?? 0);
    expect([...versions].sort((x, y) => x - y)).toEqual(versions);
    expect(new Set(versions).size).toBe(versions.length);

    await w.work();
    const done = await runOf(w, run.number);
    expect(done.state).toBe('completed');
    expect(done.outcome).toBe('All steps done.');
    expect(states(done)).toEqual(['a:done', 'b:done', 'c:done']);
    expect(done.steps.map((s) => [s.attempts, s.output])).toEqual([
      [1, 'a ok'],
      [1, 'b ok'],
      [1, 'c ok'],
    ]);
    // What steps pass on is merged into the run's context.
    expect(done.context).toEqual({ a: 'done', b: 'done', c: 'done' });
    expect(notes(w)).toEqual([
      `RB-${run.number} tenant-restore: started by @U0ACME`,
      `RB-${run.number} tenant-restore: Step a: done — a ok`,
      `RB-${run.number} tenant-restore: Step b: done — b ok`,
      `RB-${run.number} tenant-restore: Step c: done — c ok`,
      `RB-${run.number} tenant-restore: RB-${run.number} completed: All steps done.`,
    ]);
    // Nothing is left to do: another job for the run finds nothing to move.
    expect(await advanceRun(w.deps, run.number)).toEqual({ kind: 'idle' });
    expect(steps.calls).toHaveLength(3);
  });

  it('backs off a passing failure (10 s, then 30 s) and carries on when it passes', async () => {
    const { w, steps, start } = setup([{ id: 'a' }, { id: 'b' }]);
    steps.failNext('run:b', passing('target unreachable'), passing('target unreachable'));
    const run = await start();
    await w.work();
    let b = (await runOf(w, run.number)).steps[1];
    expect(b).toMatchObject({
      state: 'running',
      attempts: 1,
      error: 'attempt 1 failed: target unreachable; retrying in 10 s',
    });
    expect(w.jobs.pending('advance').map((j) => j.at)).toEqual([
      new Date(NOW.getTime() + 10 * SECOND),
    ]);
    // Not before it is due.
    w.later(9 * SECOND);
    expect(await w.work()).toEqual([]);
    w.later(1 * SECOND);
    await w.work();
    b = (await runOf(w, run.number)).steps[1];
    expect(b?.error).toBe('attempt 2 failed: target unreachable; retrying in 30 s');
    expect(w.jobs.pending('advance').map((j) => j.at.getTime() - w.clock.now().getTime())).toEqual([
      30 * SECOND,
    ]);
    w.later(30 * SECOND);
    await w.work();
    const done = await runOf(w, run.number);
    expect(done.state).toBe('completed');
    expect(done.steps[1]).toMatchObject({
      state: 'done',
      attempts: 3,
      error: null,
      output: 'b ok',
    });
    expect(steps.calls).toEqual(['run:a', 'run:b', 'run:b', 'run:b']);
  });

  it('fails the step when passing failures outlast maxAttempts', async () => {
    const { w, steps, start } = setup([{ id: 'a', undo: true, undoOnFailure: true }, { id: 'b' }]);
    steps.failNext('run:b', ...[1, 2, 3].map(() => passing('target unreachable')));
    const run = await start();
    for (const wait of [0, 10, 30]) {
      w.later(wait * SECOND);
      await w.work();
    }
    const failed = await runOf(w, run.number);
    expect(failed.state).toBe('failed');
    expect(failed.steps[1]).toMatchObject({
      state: 'failed',
      attempts: 3,
      error: 'target unreachable',
    });
    expect(steps.calls).toEqual(['run:a', 'run:b', 'run:b', 'run:b', 'undo:a']);
  });
});

describe('a final failure', () => {
  it('undoes only the undoOnFailure steps, in reverse, and ends failed naming the step', async () => {
    const { w, steps, start } = setup([
      { id: 'pause', undo: true, undoOnFailure: true },
      { id: 'copy', undo: true },
      { id: 'flag', undo: true, undoOnFailure: true },
      { id: 'swap', undo: true, undoOnFailure: true },
      { id: 'after' },
    ]);
    steps.failNext('run:swap', final('the routing row is missing'));
    const run = await start();
    await w.work();
    expect(steps.calls).toEqual([
      'run:pause',
      'run:copy',
      'run:flag',
      'run:swap',
      // The failed step may have acted: its undo checks the real state.
      'undo:swap',
      'undo:flag',
      'undo:pause',
    ]);
    const failed = await runOf(w, run.number);
    expect(failed.state).toBe('failed');
    expect(failed.outcome).toBe(
      '"Step swap" failed: the routing row is missing. What had to be undone to leave the tenant writable was undone.',
    );
    expect(states(failed)).toEqual([
      'pause:rolled_back',
      'copy:done',
      'flag:rolled_back',
      'swap:rolled_back',
      'after:skipped',
    ]);
    // A final error is not tried again, and the undone step keeps the error that undid it.
    expect(failed.steps[3]).toMatchObject({ attempts: 2, error: 'the routing row is missing' });
    expect(failed.finishedAt).toEqual(NOW);
  });

  it('ends failed saying nothing further was undone when an undo fails', async () => {
    const { w, steps, start } = setup([
      { id: 'pause', undo: true, undoOnFailure: true },
      { id: 'flag', undo: true, undoOnFailure: true },
      { id: 'swap' },
    ]);
    steps.failNext('run:swap', final('no such schema'));
    steps.failNext('undo:flag', final('flags table is gone'));
    const run = await start();
    await w.work();
    expect(steps.calls).toEqual(['run:pause', 'run:flag', 'run:swap', 'undo:flag']);
    const failed = await runOf(w, run.number);
    expect(failed.state).toBe('failed');
    expect(failed.outcome).toBe(
      'Undoing "Step flag" failed: flags table is gone. Nothing further was undone; check the tenant\'s state before acting.',
    );
    expect(states(failed)).toEqual(['pause:done', 'flag:failed', 'swap:failed']);
  });
});

describe('cancel and rollback', () => {
  const gated: StepSpec[] = [
    { id: 'a', undo: true },
    { id: 'b', undo: true },
    { id: 'gate', kind: 'approval' },
    { id: 'c', undo: true },
  ];

  it('cancel while waiting for approval undoes the done steps in reverse and ends cancelled', async () => {
    const { w, steps, start } = setup(gated);
    const run = await start();
    await w.work();
    const waiting = await runOf(w, run.number);
    expect(waiting.state).toBe('waiting_approval');
    expect(states(waiting)).toEqual(['a:done', 'b:done', 'gate:waiting_approval', 'c:pending']);
    // The gate waits without a job: the state is in the database.
    expect(w.jobs.pending()).toEqual([]);
    expect(w.notices.approvals).toEqual([{ run: run.number, approvers: ['U0APPROVER'] }]);

    await cancelRun(w.deps, w.actor('acme'), run.number);
    await w.work();
    expect(steps.calls).toEqual(['run:a', 'run:b', 'undo:b', 'undo:a']);
    const cancelled = await runOf(w, run.number);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.outcome).toBe('Cancelled: the completed steps were undone in reverse.');
    expect(states(cancelled)).toEqual([
      'a:rolled_back',
      'b:rolled_back',
      'gate:skipped',
      'c:skipped',
    ]);
    expect(notes(w)).toContain(
      `RB-${run.number} tenant-restore: cancelled by @U0ACME: undoing the completed steps`,
    );
  });

  it('rollback of a completed run undoes its steps in reverse and ends rolled back', async () => {
    const { w, steps, start } = setup([
      { id: 'a', undo: true },
      { id: 'b' },
      { id: 'c', undo: true },
    ]);
    const run = await start();
    await w.work();
    expect((await runOf(w, run.number)).state).toBe('completed');
    await rollbackRun(w.deps, w.actor('acme'), run.number);
    await w.work();
    expect(steps.calls).toEqual(['run:a', 'run:b', 'run:c', 'undo:c', 'undo:a']);
    const rolledBack = await runOf(w, run.number);
    expect(rolledBack.state).toBe('rolled_back');
    expect(rolledBack.outcome).toBe('Rolled back: the completed steps were undone in reverse.');
    expect(states(rolledBack)).toEqual(['a:rolled_back', 'b:done', 'c:rolled_back']);
  });

  it('a passing failure of an undo is tried again, then the rollback goes on', async () => {
    const { w, steps, start } = setup([
      { id: 'a', undo: true },
      { id: 'b', undo: true },
    ]);
    steps.failNext('undo:b', passing('target unreachable'));
    const run = await start();
    await w.work();
    await rollbackRun(w.deps, w.actor('acme'), run.number);
    await w.work();
    expect((await runOf(w, run.number)).steps[1]).toMatchObject({
      state: 'undoing',
      error: 'attempt 2 failed: target unreachable; retrying in 30 s',
    });
    w.later(30 * SECOND);
    await w.work();
    expect(steps.calls).toEqual(['run:a', 'run:b', 'undo:b', 'undo:b', 'undo:a']);
    expect((await runOf(w, run.number)).state).toBe('rolled_back');
  });
});

describe('leases', () => {
  it('leaves a step held by a live worker alone, and it runs once', async () => {
    const { w, steps, start } = setup([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const run = await start();
    await w.workOne();
    const held = steps.hold('run:b');
    const first = w.workOne();
    await held.started;
    // A second job for the run (Redis handed it out twice, or the reconciler) finds b held.
    const second = await advanceRun(w.deps, run.number);
    expect(second).toEqual({ kind: 'busy', until: new Date(NOW.getTime() + MINUTE) });
    expect(steps.count('run:b')).toBe(1);
    held.release();
    expect((await first)?.outcome).toEqual({ kind: 'stepped', step: 'b' });
    await w.work();
    expect(steps.calls).toEqual(['run:a', 'run:b', 'run:c']);
    expect((await runOf(w, run.number)).state).toBe('completed');
  });

  it('takes a step over once the lease of its dead worker has run out', async () => {
    const { w, steps, start } = setup([{ id: 'a' }, { id: 'b' }]);
    const run = await start();
    await w.workOne();
    // A worker took b and was SIGKILLed: its row says running, leased for a minute more.
    w.db.seed((t) => {
      const b = t.runSteps.find((s) => s.run === run.number && s.index === 1);
      Object.assign(b ?? {}, {
        state: 'running',
        attempts: 1,
        startedAt: NOW,
        leaseToken: 'dead-worker',
        leaseUntil: new Date(NOW.getTime() + MINUTE),
      });
    });
    const [busy] = await w.work();
    expect(busy?.outcome).toEqual({ kind: 'busy', until: new Date(NOW.getTime() + MINUTE) });
    // The processor looks again a second after the lease ends.
    expect(w.jobs.pending('advance').map((j) => j.at)).toEqual([
      new Date(NOW.getTime() + MINUTE + SECOND),
    ]);
    expect(steps.count('run:b')).toBe(0);
    w.later(MINUTE + SECOND);
    await w.work();
    const done = await runOf(w, run.number);
    expect(done.state).toBe('completed');
    expect(done.steps[1]).toMatchObject({ state: 'done', attempts: 2, startedAt: NOW });
    expect(steps.calls).toEqual(['run:a', 'run:b']);
  });

  it('does not record the result of a worker whose step was taken over', async () => {
    const { w, steps, start } = setup([
      { id: 'a' },
      { id: 'b', undo: true, undoOnFailure: true },
      { id: 'c' },
    ]);
    const run = await start();
    await w.workOne();
    const held = steps.hold('run:b');
    const stale = w.workOne();
    await held.started;
    // The holder stops renewing (its heartbeat can't reach the database); another worker takes b
    // over once the lease ran out, and the run goes on to complete.
    w.later(MINUTE + SECOND);
    await advanceRun(w.deps, run.number);
    await w.work();
    expect((await runOf(w, run.number)).state).toBe('completed');
    // The first worker comes back with a failure: the run it no longer holds is left as it is.
    held.fail(final('connection reset'));
    await stale;
    await w.work();
    const after = await runOf(w, run.number);
    expect(after.state).toBe('completed');
    expect(states(after)).toEqual(['a:done', 'b:done', 'c:done']);
    expect(steps.calls).toEqual(['run:a', 'run:b', 'run:b', 'run:c']);
  });
  it('a cancel waits for the step in a live worker to end before undoing the steps before it', async () => {
    const { w, steps, start } = setup([
      { id: 'pause', undo: true },
      { id: 'copy' },
      { id: 'swap' },
    ]);
    const run = await start();
    await w.workOne();
    const held = steps.hold('run:copy');
    const copying = w.workOne();
    await held.started;
    await cancelRun(w.deps, w.actor('acme'), run.number);
    const [cancel] = await w.work();
    expect(cancel?.outcome).toEqual({ kind: 'busy', until: new Date(NOW.getTime() + MINUTE) });
    expect(steps.calls).toEqual(['run:pause', 'run:copy']);
    held.release();
    await copying;
    await w.work();
    // The copy has no undo: it stays done; the pause before it is undone after it ended.
    expect(steps.calls).toEqual(['run:pause', 'run:copy', 'undo:pause']);
    const cancelled = await runOf(w, run.number);
    expect(cancelled.state).toBe('cancelled');
    expect(states(cancelled)).toEqual(['pause:rolled_back', 'copy:done', 'swap:skipped']);
  });
});

describe('dry runs', () => {
  const specs: StepSpec[] = [
    { id: 'pause', undo: true, undoOnFailure: true },
    { id: 'gate', kind: 'approval' },
    { id: 'swap', undo: true },
  ];

  it('call plan() only, pass their gates without asking anyone, and change nothing', async () => {
    const { w, steps, start } = setup(specs, { rto: true });
    const run = await start({ dryRun: true });
    await w.work();
    expect(steps.calls).toEqual(['plan:pause', 'plan:swap']);
    const done = await runOf(w, run.number);
    expect(done.state).toBe('completed');
    expect(done.outcome).toBe('Dry run: nothing was changed.');
    expect(done.steps.map((s) => s.output)).toEqual([
      'would: pause something',
      'would: wait for approval from an approver on acme other than @U0ACME',
      'would: swap something',
    ]);
    expect(w.notices.approvals).toEqual([]);
    expect(done.rtoDueAt).toBeNull();
    expect(w.jobs.pending('rto')).toEqual([]);
  });

  it('undo nothing when a plan fails', async () => {
    const { w, steps, start } = setup(specs);
    steps.failNext('plan:swap', final('no backup of acme yet'));
    const run = await start({ dryRun: true });
    await w.work();
    expect(steps.calls).toEqual(['plan:pause', 'plan:swap']);
    expect((await runOf(w, run.number)).state).toBe('failed');
  });

  it('undo nothing when cancelled', async () => {
    const { w, steps, start } = setup([
      { id: 'pause', undo: true },
      { id: 'swap', undo: true },
    ]);
    const run = await start({ dryRun: true });
    await w.workOne();
    await cancelRun(w.deps, w.actor('acme'), run.number);
    await w.work();
    expect(steps.calls).toEqual(['plan:pause']);
    expect((await runOf(w, run.number)).state).toBe('cancelled');
  });
});

describe('the RTO clock', () => {
  it('starts at the first step of a destructive rto runbook and queues its check', async () => {
    const { w, start } = setup([{ id: 'a' }, { id: 'b' }], { rto: true });
    const run = await start();
    expect((await runOf(w, run.number)).rtoDueAt).toBeNull();
    w.later(5 * MINUTE);
    await w.workOne();
    const due = new Date(NOW.getTime() + 5 * MINUTE + 120 * MINUTE);
    expect((await runOf(w, run.number)).rtoDueAt).toEqual(due);
    expect(w.jobs.pending('rto')).toMatchObject([{ id: `rb-${run.number}-rto`, at: due }]);
    // Later steps keep the deadline of the first.
    w.later(MINUTE);
    await w.workOne();
    expect((await runOf(w, run.number)).rtoDueAt).toEqual(due);
  });

  it.each<[string, Partial<RunbookDef>, Partial<RunRequest>]>([
    [
      'a sandbox restore (not destructive)',
      { destructive: (p) => p.sandbox !== 'true' },
      { sandbox: true },
    ],
    ['a non-destructive runbook', { destructive: false }, {}],
    ['a runbook without an RTO', { rto: false }, {}],
  ])('does not start for %s', async (_, over, req) => {
    const { w, start } = setup([{ id: 'a' }], { rto: true, ...over });
    const run = await start(req);
    await w.workOne();
    expect((await runOf(w, run.number)).rtoDueAt).toBeNull();
    expect(w.jobs.added.filter((j) => j.name === 'rto')).toEqual([]);
  });
});
