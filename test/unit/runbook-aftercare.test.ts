// What a run needs besides its steps, on in-memory ports: the RTO check (a breach posted once),
// the after-care watch, the reconciler that puts lost jobs back, and the RPO watch.
import { restoreRunbook } from '../../src/app/runbooks/data-runbooks';
import { checkRto, runWatch } from '../../src/app/runbooks/runbook-aftercare';
import { approveRun, startRun, type RunRequest } from '../../src/app/runbooks/runbook-commands';
import type { RunbookDef } from '../../src/app/runbooks/runbook-def';
import { reconcileRuns } from '../../src/app/runbooks/runbook-reconcile';
import { rpoWatch } from '../../src/app/runbooks/runbook-schedule';
import type { Actor } from '../../src/app/incident-deps';
import type { Run } from '../../src/domain/runbooks/runbook';
import { Scope } from '../../src/domain/tenants/scope';
import type { LoadAlert } from '../../src/domain/target/tenant-load';
import type { TargetSystem } from '../../src/ports/target-system';
import {
  makeRunbookWorld,
  RUNBOOK_PEOPLE,
  type RunbookWorld,
} from '../support/fakes/runbook-world';
import { scriptedRunbook, ScriptedSteps, type StepSpec } from '../support/fakes/scripted-steps';
import { NOW } from '../support/fakes/world';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (ms: number) => new Date(NOW.getTime() + ms);

const RESTORE: StepSpec[] = [
  { id: 'pause-writes', undo: true, undoOnFailure: true },
  { id: 'approve-swap', kind: 'approval' },
  { id: 'resume-writes' },
  { id: 'watch', kind: 'watch' },
];

function setup(over: Partial<RunbookDef> = {}) {
  const steps = new ScriptedSteps();
  const checked: number[] = [];
  const watch: RunbookDef['watch'] = {
    checks: 3,
    everyMs: HOUR,
    check(_ctx, n) {
      checked.push(n);
      return Promise.resolve(
        n === 2
          ? { ok: false, summary: '3 error alerts' }
          : { ok: true, summary: 'rows as expected' },
      );
    },
  };
  const w = makeRunbookWorld({
    runbooks: { 'tenant-restore': scriptedRunbook(steps, RESTORE, { rto: true, watch, ...over }) },
  });
  const start = (actor: Actor = w.actor('acme'), req: Partial<RunRequest> = {}) =>
    startRun(w.deps, actor, {
      runbook: 'tenant-restore',
      tenant: 'acme',
      params: {},
      dryRun: false,
      sandbox: false,
      ...req,
    });
  return { w, steps, checked, start };
}

async function runOf(w: RunbookWorld, n: number): Promise<Run> {
  const run = await w.store.get(Scope.platform('test: read a run'), n);
  if (!run) throw new Error(`RB-${n} not found`);
  return run;
}

const approver: Actor = { user: RUNBOOK_PEOPLE.approver };

describe('the RTO check', () => {
  it('posts a breach once when the deadline passes with writes still paused', async () => {
    const { w, start } = setup();
    const run = await start();
    await w.work();
    expect((await runOf(w, run.number)).rtoDueAt).toEqual(at(2 * HOUR));
    w.later(2 * HOUR - 1);
    expect(await w.work()).toEqual([]);
    expect(await checkRto(w.deps, run.number)).toBe(false);
    w.later(1);
    const [worked] = await w.work();
    expect(worked?.job.name).toBe('rto');
    expect(w.notices.rtoBreaches).toEqual([{ run: run.number, comms: ['U0ACME', 'U0BOTH'] }]);
    expect(w.audit.entries.map((e) => e.reason)).toContain(
      `RB-${run.number} tenant-restore: RTO breach: RB-${run.number} tenant-restore of acme has not re-enabled writes within the RTO (due ${at(2 * HOUR).toISOString()})`,
    );
    // Again (the reconciler queues the check once more): nothing more is posted.
    w.later(HOUR);
    expect(await checkRto(w.deps, run.number)).toBe(false);
    expect(w.notices.rtoBreaches).toHaveLength(1);
  });

  it('posts nothing when writes were re-enabled in time', async () => {
    const { w, start } = setup();
    const run = await start();
    await w.work();
    w.later(HOUR);
    await approveRun(w.deps, approver, run.number);
    await w.work();
    expect((await runOf(w, run.number)).steps[2]?.state).toBe('done');
    w.later(HOUR);
    expect(await checkRto(w.deps, run.number)).toBe(false);
    expect(w.notices.rtoBreaches).toEqual([]);
  });

  it('posts a breach when writes came back after the deadline', async () => {
    const { w, start } = setup();
    const run = await start();
    await w.work();
    w.jobs.lose();
    w.later(3 * HOUR);
    await approveRun(w.deps, approver, run.number);
    await w.work();
    expect(await checkRto(w.deps, run.number)).toBe(true);
  });
});

describe('the after-care watch', () => {
  it('checks hourly after the run completes, each check once, then reports', async () => {
    const { w, checked, start } = setup();
    const run = await start();
    await w.work();
    await approveRun(w.deps, approver, run.number);
    await w.work();
    const done = await runOf(w, run.number);
    expect(done.state).toBe('completed');
    expect(done.steps[3]?.state).toBe('running');
    expect(w.jobs.pending('watch').map((j) => [j.check, j.at])).toEqual([
      [1, at(HOUR)],
      [2, at(2 * HOUR)],
      [3, at(3 * HOUR)],
    ]);
    for (const n of [1, 2, 3]) {
      w.later(HOUR);
      await w.work();
      // A check queued again (the reconciler) is not made twice.
      await runWatch(w.deps, run.number, n);
    }
    expect(checked).toEqual([1, 2, 3]);
    const watched = await runOf(w, run.number);
    expect(watched.steps[3]).toMatchObject({
      state: 'done',
      output: '3/3 checks, 1 with a problem — latest: rows as expected',
    });
    const reasons = w.audit.entries.map((e) => e.reason);
    expect(reasons).toContain(`RB-${run.number} tenant-restore: watch check 2: 3 error alerts`);
    expect(reasons).toContain(
      `RB-${run.number} tenant-restore: final report after 3 checks: 1 check(s) saw a problem; latest: rows as expected`,
    );
  });
});

describe("the restore's after-care check", () => {
  /** The tenant's alerts as PgTenantAlerts answers: firing now, or resolved since `since`. */
  function setupRestoreWatch() {
    const steps = new ScriptedSteps();
    const alerts: (LoadAlert & { tenant: string })[] = [];
    const asked: Date[] = [];
    const target = {
      writesPaused: (tenant: string) =>
        Promise.resolve({
          tenant,
          schema: 'tenant_acme',
          readOnly: false,
          writable: [],
          paused: false,
          heldGrants: null,
        }),
      tableCounts: () => Promise.resolve([{ table: 'orders', rows: 150, exact: true }]),
    };
    const w = makeRunbookWorld({
      runbooks: {
        'tenant-restore': scriptedRunbook(steps, RESTORE, {
          rto: true,
          watch: { ...restoreRunbook.watch!, checks: 3 },
        }),
      },
      target: target as unknown as TargetSystem,
    });
    w.deps.ops = {
      audit: { rowsOf: () => Promise.resolve([]) },
      tenantIds: () => Promise.resolve(['acme']),
      startFollowUp: () => Promise.reject(new Error('unused')),
      alerts: {
        recentAlerts(tenant, since) {
          asked.push(since);
          return Promise.resolve(
            alerts.filter(
              (a) =>
                a.tenant === tenant &&
                (a.status !== 'resolved' || (a.endsAt !== null && a.endsAt >= since)),
            ),
          );
        },
      },
    };
    const alert = (over: Partial<LoadAlert> & { tenant?: string }) =>
      alerts.push({
        tenant: 'acme',
        name: 'HighErrorRate',
        status: 'firing',
        severityHint: 'critical',
        summary: '5xx above 5%',
        startsAt: w.clock.now(),
        endsAt: null,
        ...over,
      });
    return { w, alert, asked };
  }

  it("reports the tenant's error and critical alerts since the previous check, not warnings or other tenants'", async () => {
    const { w, alert, asked } = setupRestoreWatch();
    const run = await startRun(w.deps, w.actor('acme'), {
      runbook: 'tenant-restore',
      tenant: 'acme',
      params: {},
      dryRun: false,
      sandbox: false,
    });
    await w.work();
    await approveRun(w.deps, approver, run.number);
    await w.work();
    const resumedAt = (await runOf(w, run.number)).steps[2]?.finishedAt;
    // Before check 1: a warning on acme and a critical alert on globex only.
    alert({ name: 'SlowQueries', severityHint: 'warning' });
    alert({ tenant: 'globex', name: 'GlobexDown' });
    w.later(HOUR);
    await w.work();
    let watch = (await runOf(w, run.number)).steps[3];
    expect(watch?.output).toMatch(
      /^1\/3 checks, 0 with a problem — latest: writable on tenant_acme; 150 rows in 1 tables; no error alert since /,
    );
    expect(asked[0]).toEqual(resumedAt);

    // Between checks 1 and 2: a critical alert fires on acme and resolves again.
    w.later(HOUR / 2);
    alert({ name: 'HighErrorRate', status: 'resolved', endsAt: at(HOUR + HOUR / 2 + 60_000) });
    w.later(HOUR / 2);
    await w.work();
    watch = (await runOf(w, run.number)).steps[3];
    expect(asked[1]).toEqual(at(HOUR));
    expect(watch?.output).toContain(
      '2/3 checks, 1 with a problem — latest: 1 error alert on acme since',
    );
    expect(watch?.output).toContain('HighErrorRate (critical, resolved');
    expect(w.audit.entries.map((e) => e.reason).join('\n')).toMatch(
      new RegExp(
        `RB-${run.number} tenant-restore: watch check 2: 1 error alert on acme .*HighErrorRate`,
      ),
    );

    // Check 3 looks only since check 2: the resolved alert is behind it.
    w.later(HOUR);
    await w.work();
    watch = (await runOf(w, run.number)).steps[3];
    expect(asked[2]).toEqual(at(2 * HOUR));
    expect(watch).toMatchObject({ state: 'done' });
    expect(watch?.output).toMatch(
      /^3\/3 checks, 1 with a problem — latest: writable on tenant_acme; .*no error alert since/,
    );
  });
});

describe('the reconciler', () => {
  it('puts back the jobs Redis lost, never for a run waiting for approval or held by a live worker', async () => {
    const { w, steps, start } = setup();
    // RB-1 (acme): waiting for approval. RB-2 (globex): its first step in a live worker's hands.
    // RB-3 (initech): a step done, its next job lost.
    const waiting = await start();
    await w.work();
    const held = steps.hold('run:pause-writes');
    const leased = await start(w.actor('globex'), { tenant: 'globex' });
    const working = w.workOne();
    await held.started;
    const lost = await start(w.actor('platform'), { tenant: 'initech' });
    await w.workOne();
    w.jobs.lose();

    const report = await reconcileRuns(w.deps);
    expect(report).toEqual({ requeued: 1, rtoChecks: 3, watchChecks: 0 });
    const version = (await runOf(w, lost.number)).version;
    expect(w.jobs.pending('advance').map((j) => [j.run, j.version])).toEqual([
      [lost.number, version],
    ]);
    expect(
      w.jobs
        .pending('rto')
        .map((j) => j.run)
        .sort(),
    ).toEqual([waiting.number, leased.number, lost.number].sort());
    // Run again: the same job ids, nothing added twice.
    await reconcileRuns(w.deps);
    expect(w.jobs.pending('advance')).toHaveLength(1);

    held.release();
    await working;
    await w.work();
    expect((await runOf(w, lost.number)).state).toBe('waiting_approval');
    expect((await runOf(w, leased.number)).state).toBe('waiting_approval');
  });

  it('re-adds the watch checks still to come', async () => {
    const { w, checked, start } = setup();
    const run = await start();
    await w.work();
    await approveRun(w.deps, approver, run.number);
    await w.work();
    const finishedAt = (await runOf(w, run.number)).finishedAt ?? NOW;
    w.later(HOUR);
    await w.work();
    w.jobs.lose();
    expect(await reconcileRuns(w.deps)).toEqual({ requeued: 0, rtoChecks: 0, watchChecks: 2 });
    expect(w.jobs.pending('watch').map((j) => [j.check, j.at])).toEqual([
      [2, new Date(finishedAt.getTime() + 2 * HOUR)],
      [3, new Date(finishedAt.getTime() + 3 * HOUR)],
    ]);
    w.later(2 * HOUR);
    await w.work();
    expect(checked).toEqual([1, 2, 3]);
    // Watched to the end: nothing left for the reconciler.
    expect(await reconcileRuns(w.deps)).toEqual({ requeued: 0, rtoChecks: 0, watchChecks: 0 });
  });
});

describe('the RPO watch', () => {
  const RPO = 24 * HOUR;
  const EVERY = HOUR;

  async function backup(w: RunbookWorld, tenant: string, id: string, snapshotAt: Date, ok = true) {
    await w.catalog.begin({
      id,
      tenantId: tenant,
      kind: 'full',
      parentId: null,
      host: 'worker-1',
      storage: 'local:/backups',
      startedAt: snapshotAt,
    });
    if (!ok) return w.catalog.fail(tenant, id, 'disk full');
    await w.catalog.complete(tenant, id, {
      kind: 'full',
      parentId: null,
      sourceSchema: `tenant_${tenant}`,
      schemaVersion: 1,
      snapshotAt,
      finishedAt: snapshotAt,
      bytes: 1024,
      tables: [],
      structure: { key: `${id}/structure`, bytes: 10, sha256: 'x' },
      structureSha256: 'y',
      note: null,
    });
  }

  async function look(w: RunbookWorld): Promise<string[]> {
    const stale = await rpoWatch(w.deps, w.catalog, await w.store.tenantsAddedAt(), RPO, EVERY);
    return stale.map((s) => `${s.tenant}:${s.newest?.id ?? 'never'}`);
  }

  it('posts each tenant once, when its newest complete backup crosses the RPO', async () => {
    const { w } = setup();
    w.db.seed((t) => {
      t.tenantCreatedAt = {
        acme: at(-30 * 24 * HOUR),
        globex: at(-30 * 24 * HOUR),
        initech: at(-RPO - 10 * MINUTE),
      };
    });
    await backup(w, 'acme', 'acme-old', at(-RPO - 30 * MINUTE));
    // A failed backup since then doesn't count.
    await backup(w, 'acme', 'acme-failed', at(-HOUR), false);
    await backup(w, 'globex', 'globex-new', at(-2 * HOUR));
    expect(await look(w)).toEqual(['acme:acme-old', 'initech:never']);
    expect(w.notices.rpo).toEqual([
      [
        { tenant: 'acme', newest: { id: 'acme-old', at: at(-RPO - 30 * MINUTE) }, rpoMs: RPO },
        { tenant: 'initech', newest: null, rpoMs: RPO },
      ],
    ]);
    // Every hour for two days: globex crosses once, the others are not posted again.
    const posted: string[] = [];
    for (let h = 1; h <= 48; h++) {
      w.later(EVERY);
      posted.push(...(await look(w)).map((p) => `+${h}h ${p}`));
    }
    expect(posted).toEqual(['+22h globex:globex-new']);
    expect(w.notices.rpo).toHaveLength(2);
  });

  it.each([
    ['just inside the RPO', RPO - 1, false],
    ['exactly at the RPO', RPO, true],
    ['crossed since the last look', RPO + EVERY - 1, true],
    ['crossed before the last look (posted then)', RPO + EVERY, false],
  ])('a backup %s', async (_, age, posts) => {
    const { w } = setup();
    await backup(w, 'globex', 'globex-b', at(-age));
    w.db.seed((t) => {
      t.tenantCreatedAt = { acme: NOW, globex: at(-90 * 24 * HOUR), initech: NOW };
    });
    expect(await look(w)).toEqual(posts ? ['globex:globex-b'] : []);
    expect(w.notices.rpo).toHaveLength(posts ? 1 : 0);
  });
});
