// Who may start, approve, cancel and roll back a run, on in-memory ports: refusals say why, are
// audited and write nothing; one destructive run acts on a tenant at a time.
import type { Actor } from '../../src/app/incident-deps';
import {
  approveRun,
  cancelRun,
  rollbackRun,
  runStatus,
  startRun,
  type RunRequest,
} from '../../src/app/runbooks/runbook-commands';
import type { RunbookDef } from '../../src/app/runbooks/runbook-def';
import { DomainError } from '../../src/domain/errors';
import type { RunbookName } from '../../src/domain/runbooks/runbook';
import { Scope } from '../../src/domain/tenants/scope';
import {
  makeRunbookWorld,
  NO_TARGET,
  RUNBOOK_PEOPLE,
  type RunbookWorld,
} from '../support/fakes/runbook-world';
import { scriptedRunbook, ScriptedSteps, type StepSpec } from '../support/fakes/scripted-steps';
import { ACTORS } from '../support/fakes/world';

const GATED: StepSpec[] = [
  { id: 'pause', undo: true, undoOnFailure: true },
  { id: 'approve', kind: 'approval' },
  { id: 'swap', undo: true },
];

function setup(extra: Partial<Record<RunbookName, RunbookDef>> = {}) {
  const steps = new ScriptedSteps();
  const w = makeRunbookWorld({
    runbooks: {
      'tenant-restore': scriptedRunbook(steps, GATED),
      'tenant-backup': scriptedRunbook(steps, [{ id: 'backup' }], {
        name: 'tenant-backup',
        destructive: false,
      }),
      ...extra,
    },
  });
  const start = (actor: Actor, req: Partial<RunRequest> = {}) =>
    startRun(w.deps, actor, {
      runbook: 'tenant-restore',
      tenant: 'acme',
      params: {},
      dryRun: false,
      sandbox: false,
      ...req,
    });
  return { w, steps, start };
}

const approver: Actor = { user: RUNBOOK_PEOPLE.approver };
const responder: Actor = { user: RUNBOOK_PEOPLE.responder };

async function refused(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DomainError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('it was allowed');
}

/** Committed writes to the runbook tables since the last `forget`. */
const runbookWrites = (w: RunbookWorld) =>
  w.db.committedWrites().filter((x) => x.table.startsWith('runbook_'));

/** The denial rows of `user`: action, tenants, reason. */
const denials = (w: RunbookWorld, user: string) =>
  w.audit.denials(user).map((e) => ({ action: e.action, tenants: e.tenantIds, reason: e.reason }));

describe('starting a run', () => {
  it('records the run in the incident it belongs to, posts its message there, queues its first step', async () => {
    const { w, start } = setup();
    const incident = await w.seed('acme');
    const run = await start(w.actor('acme'), { params: { incident: `INC-${incident.number}` } });
    expect(run).toMatchObject({
      runbook: 'tenant-restore',
      tenant: 'acme',
      requestedBy: ACTORS.acme.user,
      incident: incident.number,
      destructive: true,
      dryRun: false,
      state: 'running',
      place: { channel: incident.channelId, threadTs: null, messageTs: null },
      version: 1,
    });
    expect(run.steps.map((s) => [s.id, s.kind, s.state])).toEqual([
      ['pause', 'action', 'pending'],
      ['approve', 'approval', 'pending'],
      ['swap', 'action', 'pending'],
    ]);
    expect(w.outbox.published).toEqual([
      { kind: 'runbook-run', refs: [String(run.number)], channel: incident.channelId },
    ]);
    expect(w.jobs.pending().map((j) => j.id)).toEqual([`rb-${run.number}-v1`]);
    const timeline = await w.incidents.store.inScope(Scope.of(['acme']), (tx) =>
      tx.timeline(incident.number),
    );
    expect(timeline.filter((e) => e.kind === 'runbook').map((e) => e.text)).toEqual([
      `RB-${run.number} tenant-restore: started by @U0ACME`,
    ]);
  });

  it('belongs to the incident whose channel it was run from', async () => {
    const { w, start } = setup();
    const incident = await w.seed('acme');
    const run = await start(w.actor('acme', { channel: incident.channelId ?? '' }));
    expect(run.incident).toBe(incident.number);
    expect(run.params).toEqual({ incident: `INC-${incident.number}` });
  });

  it('lets a responder start one', async () => {
    const { w, start } = setup();
    expect((await start(responder)).requestedBy).toBe(RUNBOOK_PEOPLE.responder);
    expect(w.audit.denials(RUNBOOK_PEOPLE.responder)).toEqual([]);
  });

  it.each([
    ['globex', ACTORS.globex.user],
    ['approver', RUNBOOK_PEOPLE.approver],
    ['none', ACTORS.none.user],
  ])(
    'refuses %s (no commander or responder on acme): audited, nothing written',
    async (_, user) => {
      const { w, start } = setup();
      w.forget();
      const { code, message } = await refused(start({ user }));
      expect(code).toBe('forbidden');
      expect(message).toMatch(/^You can't run runbooks: /);
      expect(denials(w, user)).toMatchObject([{ action: 'runbook_run', tenants: ['acme'] }]);
      expect(runbookWrites(w)).toEqual([]);
      expect(w.jobs.added).toEqual([]);
    },
  );

  it.each<[string, Partial<RunRequest>, Partial<Record<RunbookName, RunbookDef>>, string, string]>([
    [
      'an unknown tenant',
      { tenant: 'umbrella' },
      {},
      'unknown_tenant',
      'Unknown tenant `umbrella`.',
    ],
    [
      'a runbook this build lacks',
      { runbook: 'tenant-throttle' },
      {},
      'not_available',
      'tenant-throttle is not available in this build yet.',
    ],
    [
      'go-live, which is a checklist',
      { runbook: 'tenant-golive' },
      {},
      'not_available',
      'tenant-golive is a checklist: use `/tenant golive acme`.',
    ],
    [
      'a runbook that needs a target when none is set',
      { runbook: 'tenant-migrate' },
      {
        'tenant-migrate': scriptedRunbook(new ScriptedSteps(), [{ id: 'x' }], {
          name: 'tenant-migrate',
          needsTarget: true,
        }),
      },
      'no_target',
      NO_TARGET,
    ],
  ])('refuses %s, writing nothing', async (_, req, extra, code, message) => {
    const { w, start } = setup(extra);
    w.forget();
    expect(await refused(start({ user: ACTORS.platform.user }, req))).toEqual({ code, message });
    expect(runbookWrites(w)).toEqual([]);
  });

  it("refuses incident= of an incident that doesn't affect the tenant", async () => {
    const { w, start } = setup();
    const incident = await w.seed('globex');
    w.forget();
    const { code, message } = await refused(
      start(w.actor('platform'), { params: { incident: `INC-${incident.number}` } }),
    );
    expect(code).toBe('tenant_not_affected');
    expect(message).toContain(`INC-${incident.number} doesn't affect acme (globex)`);
    expect(runbookWrites(w)).toEqual([]);
  });
});

describe('one destructive run per tenant', () => {
  it('refuses a second destructive run, naming the busy one; nothing written', async () => {
    const { w, start } = setup();
    const first = await start(w.actor('acme'));
    await w.work();
    w.forget();
    const { code, message } = await refused(start(w.actor('both')));
    expect(code).toBe('tenant_busy');
    expect(message).toBe(
      `acme is busy: RB-${first.number} (tenant-restore, waiting approval) is acting on it. Wait for it, or \`/runbook cancel RB-${first.number}\`.`,
    );
    expect(runbookWrites(w)).toEqual([]);
    expect(w.jobs.pending()).toEqual([]);
  });

  it('lets non-destructive runs, dry runs and other tenants go alongside', async () => {
    const { w, start } = setup();
    await start(w.actor('acme'));
    const others = [
      await start(w.actor('acme'), { runbook: 'tenant-backup' }),
      await start(w.actor('acme'), { dryRun: true }),
      await start(w.actor('both'), { tenant: 'globex' }),
    ];
    expect(others.map((r) => [r.runbook, r.tenant, r.dryRun])).toEqual([
      ['tenant-backup', 'acme', false],
      ['tenant-restore', 'acme', true],
      ['tenant-restore', 'globex', false],
    ]);
  });

  it('frees the tenant when the run ends', async () => {
    const { w, start } = setup();
    const first = await start(w.actor('acme'));
    await w.work();
    await cancelRun(w.deps, w.actor('acme'), first.number);
    await w.work();
    expect((await runStatus(w.deps, w.actor('acme'), first.number)).state).toBe('cancelled');
    expect(await start(w.actor('acme'))).toMatchObject({
      number: first.number + 1,
      state: 'running',
    });
  });

  it('refuses to roll back while another destructive run holds the tenant', async () => {
    const { w, start } = setup();
    const first = await start(w.actor('acme'));
    await w.work();
    await approveRun(w.deps, approver, first.number);
    await w.work();
    await start(w.actor('acme'));
    w.forget();
    const { code } = await refused(rollbackRun(w.deps, w.actor('acme'), first.number));
    expect(code).toBe('tenant_busy');
    expect(runbookWrites(w)).toEqual([]);
    expect((await runStatus(w.deps, w.actor('acme'), first.number)).state).toBe('completed');
  });
});

describe('approval', () => {
  async function waiting() {
    const s = setup();
    const run = await s.start(s.w.actor('acme'));
    await s.w.work();
    s.w.forget();
    return { ...s, run };
  }

  it("asks the tenant's approvers, never the requester, once", async () => {
    const { w, start } = setup();
    w.db.seed((t) => {
      t.roleBindings.push(
        { user: ACTORS.acme.user, tenant: 'acme', role: 'approver' },
        { user: 'U0GLOBEXAPPROVER', tenant: 'globex', role: 'approver' },
        { user: 'U0ANYAPPROVER', tenant: '*', role: 'approver' },
      );
    });
    const run = await start(w.actor('acme'));
    await w.work();
    // The gate is looked at again (a duplicate job): nobody is asked twice.
    await w.jobs.advance(
      run.number,
      (await runStatus(w.deps, w.actor('acme'), run.number)).version,
    );
    await w.work();
    expect(w.notices.approvals).toEqual([
      { run: run.number, approvers: ['U0ANYAPPROVER', RUNBOOK_PEOPLE.approver] },
    ]);
  });

  it('the requester cannot approve their own run, even holding approver: audited', async () => {
    const { w, run } = await waiting();
    w.db.seed((t) =>
      t.roleBindings.push({ user: ACTORS.acme.user, tenant: 'acme', role: 'approver' }),
    );
    const { code, message } = await refused(approveRun(w.deps, w.actor('acme'), run.number));
    expect(code).toBe('forbidden');
    expect(message).toBe(
      `You started RB-${run.number}: a second person with the approver role on acme must approve it.`,
    );
    expect(denials(w, ACTORS.acme.user)).toEqual([
      {
        action: 'runbook_approve',
        tenants: ['acme'],
        reason: 'the requester cannot approve their own run',
      },
    ]);
    expect(runbookWrites(w)).toEqual([]);
  });

  it('needs approver on the run’s tenant: audited', async () => {
    const { w, run } = await waiting();
    const { code, message } = await refused(approveRun(w.deps, w.actor('both'), run.number));
    expect(code).toBe('forbidden');
    expect(message).toMatch(/^You can't approve runbook runs: /);
    expect(denials(w, ACTORS.both.user)).toMatchObject([
      { action: 'runbook_approve', tenants: ['acme'] },
    ]);
    expect(runbookWrites(w)).toEqual([]);
  });

  it("tells someone with no role on the tenant the run doesn't exist: audited", async () => {
    const { w, run } = await waiting();
    const { message } = await refused(approveRun(w.deps, w.actor('globex'), run.number));
    expect(message).toBe(
      `RB-${run.number} doesn't exist or isn't on a tenant you have a role for.`,
    );
    expect(denials(w, ACTORS.globex.user)).toEqual([
      { action: 'runbook_view', tenants: [], reason: "no such run in the actor's scope" },
    ]);
  });

  it('an approver lets the gate pass, and the run carries on', async () => {
    const { w, steps, run } = await waiting();
    await approveRun(w.deps, approver, run.number);
    await w.work();
    const done = await runStatus(w.deps, w.actor('acme'), run.number);
    expect(done.state).toBe('completed');
    expect(done.steps[1]).toMatchObject({
      state: 'done',
      approvedBy: RUNBOOK_PEOPLE.approver,
      output: `approved by @${RUNBOOK_PEOPLE.approver}`,
    });
    expect(steps.calls).toEqual(['run:pause', 'run:swap']);
    expect(w.audit.entries.map((e) => [e.actor, e.reason])).toContainEqual([
      RUNBOOK_PEOPLE.approver,
      `RB-${run.number} tenant-restore: approved by @${RUNBOOK_PEOPLE.approver}`,
    ]);
  });

  it('refuses to approve a run that is not waiting', async () => {
    const { w, run } = await waiting();
    await approveRun(w.deps, approver, run.number);
    w.forget();
    expect(await refused(approveRun(w.deps, approver, run.number))).toEqual({
      code: 'not_waiting',
      message: `RB-${run.number} is running, not waiting for approval.`,
    });
    expect(runbookWrites(w)).toEqual([]);
  });
});

describe('cancel and rollback', () => {
  it('need commander on the tenant: audited', async () => {
    const { w, start } = setup();
    const run = await start(responder);
    await w.work();
    w.forget();
    for (const act of [cancelRun, rollbackRun]) {
      const { code } = await refused(act(w.deps, responder, run.number));
      expect(code).toBe('forbidden');
    }
    expect(denials(w, RUNBOOK_PEOPLE.responder).map((d) => d.action)).toEqual([
      'runbook_cancel',
      'runbook_rollback',
    ]);
    expect(runbookWrites(w)).toEqual([]);
  });

  it('cancel refuses a run that ended, pointing at rollback', async () => {
    const { w, start } = setup();
    const run = await start(w.actor('acme'), { runbook: 'tenant-backup' });
    await w.work();
    expect(await refused(cancelRun(w.deps, w.actor('acme'), run.number))).toEqual({
      code: 'not_cancellable',
      message: `RB-${run.number} already ended (completed); \`/runbook rollback RB-${run.number}\` undoes it.`,
    });
  });

  it.each<[string, Partial<RunRequest>, boolean, string]>([
    [
      'a running run, pointing at cancel',
      {},
      false,
      'is waiting for approval: `/runbook cancel RB-1` stops it.',
    ],
    ['a dry run', { dryRun: true }, true, 'was a dry run: it changed nothing.'],
    [
      'a runbook with nothing to undo',
      { runbook: 'tenant-backup' },
      true,
      'tenant-backup has nothing to roll back.',
    ],
  ])('rollback refuses %s', async (_, req, finish, words) => {
    const { w, start } = setup();
    const run = await start(w.actor('acme'), req);
    await w.work();
    if (finish)
      expect((await runStatus(w.deps, w.actor('acme'), run.number)).state).toBe('completed');
    const { code, message } = await refused(rollbackRun(w.deps, w.actor('acme'), run.number));
    expect(code).toBe('not_rollbackable');
    expect(message).toContain(words);
  });
});
