import type { Action } from '../../domain/access/access';
import { DomainError } from '../../domain/errors';
import { incidentRef, parseIncidentRef, type Incident } from '../../domain/incidents/incident';
import { runRef, type Run, type RunbookName, RUN_STATE_TEXT } from '../../domain/runbooks/runbook';
import { Scope } from '../../domain/tenants/scope';
import type { RunTx } from '../../ports/runbook-store';
import type { Actor } from '../incident-deps';
import {
  AccessDenied,
  authorize,
  findTarget,
  recordDenials,
  scopeOf,
  type Guarded,
} from '../incident-guard';
import { note, refresh } from './runbook-engine';
import { RUNBOOK_MESSAGE, type RunbookDeps } from './runbook-deps';

export interface RunRequest {
  runbook: RunbookName;
  tenant: string;
  params: Record<string, string>;
  dryRun: boolean;
  sandbox: boolean;
}

/** Preflight and go-live are checklists (`/tenant …`), not runs. */
const CHECKLISTS: Partial<Record<string, string>> = {
  'tenant-preflight': 'preflight',
  'tenant-golive': 'golive',
};

/**
 * `/runbook run <runbook> <tenant> …`: needs commander or responder on the tenant. Records the
 * run RB-n with its steps (in the tenant's scope), posts its progress message — in the incident's
 * thread when the run belongs to an incident (`incident=INC-n`, or run from its channel) — and
 * queues its first step. A destructive run on a busy tenant is refused naming the busy run.
 */
export async function startRun(deps: RunbookDeps, actor: Actor, req: RunRequest): Promise<Run> {
  const def = deps.runbooks[req.runbook];
  if (!def) {
    const checklist = CHECKLISTS[req.runbook];
    throw new DomainError(
      'not_available',
      checklist
        ? `${req.runbook} is a checklist: use \`/tenant ${checklist} ${req.tenant}\`.`
        : `${req.runbook} is not available in this build yet.`,
    );
  }
  const guarded = await scopeOf(deps.incidents, actor.user);
  const params: Record<string, string> = {
    ...req.params,
    ...(req.sandbox ? { sandbox: 'true' } : {}),
  };
  const incident = await recordDenials(deps.incidents, actor, async () => {
    authorize(guarded, 'runbook_run', [req.tenant]);
    return incidentOf(deps, guarded, actor, req.tenant, params.incident);
  });
  await requireTenant(deps, req.tenant);
  if (def.needsTarget && !deps.target) throw new DomainError('no_target', deps.noTarget);
  const target = deps.target;
  if (def.precheck)
    await def.precheck({
      tenant: req.tenant,
      params,
      target() {
        if (!target) throw new DomainError('no_target', deps.noTarget);
        return target;
      },
    });
  const steps = def.steps(params);
  const destructive =
    typeof def.destructive === 'function' ? def.destructive(params) : def.destructive;
  const run = await deps.store.create(Scope.of([req.tenant]), {
    runbook: req.runbook,
    tenant: req.tenant,
    params: incident ? { ...params, incident: incidentRef(incident.number) } : params,
    dryRun: req.dryRun,
    destructive,
    requestedBy: actor.user,
    incident: incident?.number ?? null,
    steps: steps.map((s) => ({ id: s.id, title: s.title, kind: s.kind ?? 'action' })),
    place: incident?.channelId
      ? { channel: incident.channelId, threadTs: incident.threadTs }
      : { channel: actor.channel ?? null, threadTs: actor.threadTs ?? null },
    demo: Boolean(deps.target?.demo),
  });
  await note(deps, run, `started by @${actor.user}${req.dryRun ? ' (dry run)' : ''}`, actor.user);
  if (run.place.channel)
    await deps.outbox.publish(RUNBOOK_MESSAGE, [String(run.number)], run.place.channel);
  await deps.jobs.advance(run.number, run.version);
  return run;
}

/**
 * `/runbook run` with bad parameters: refused (and audited) first when the actor may not run
 * runbooks on `tenant`, so a tenant one has no role on reads the same whatever else was typed;
 * otherwise `error` (what is wrong with the parameters) stands.
 */
export async function refuseBadRun(
  deps: RunbookDeps,
  actor: Actor,
  tenant: string,
  error: DomainError,
): Promise<never> {
  const guarded = await scopeOf(deps.incidents, actor.user);
  await recordDenials(deps.incidents, actor, () =>
    Promise.resolve(authorize(guarded, 'runbook_run', [tenant])),
  );
  throw error;
}

/** The incident a run belongs to: `incident=INC-n`, else the incident channel it was run from. */
async function incidentOf(
  deps: RunbookDeps,
  guarded: Guarded,
  actor: Actor,
  tenant: string,
  ref: string | undefined,
): Promise<Incident | undefined> {
  let number = ref ? parseIncidentRef(ref) : undefined;
  if (number === undefined && actor.channel) {
    const here = await deps.incidents.store.incidentAt({
      channel: actor.channel,
      threadTs: actor.threadTs,
    });
    if (typeof here === 'number') number = here;
    else if (!ref) return undefined;
  }
  if (number === undefined) return undefined;
  const n = number;
  const incident = await deps.incidents.store.inScope(guarded.scope, (tx) => findTarget(tx, n));
  if (!incident.tenants.includes(tenant))
    throw new DomainError(
      'tenant_not_affected',
      `${incidentRef(n)} doesn't affect ${tenant} (${incident.tenants.join(', ')}); run it without incident=, or add the tenant to the incident.`,
    );
  return incident;
}

async function requireTenant(deps: RunbookDeps, tenant: string): Promise<void> {
  const found = await deps.incidents.store.inScope(Scope.of([tenant]), (tx) =>
    tx.tenants([tenant]),
  );
  if (found.length === 0) throw new DomainError('unknown_tenant', `Unknown tenant \`${tenant}\`.`);
}

/** A run in the actor's scope, its role checked, changed under its lock; refusals audited. */
async function actOn<T>(
  deps: RunbookDeps,
  actor: Actor,
  number: number,
  action: Action,
  fn: (tx: RunTx, run: Run, guarded: Guarded) => Promise<T>,
): Promise<{ run: Run; result: T }> {
  const guarded = await scopeOf(deps.incidents, actor.user);
  const done = await recordDenials(deps.incidents, actor, async () => {
    const out = await deps.store.withRun(guarded.scope, number, async (tx, run) => {
      authorize(guarded, action, [run.tenant]);
      return { run, result: await fn(tx, run, guarded) };
    });
    if (!out)
      throw new AccessDenied(
        `${runRef(number)} doesn't exist or isn't on a tenant you have a role for.`,
        'runbook_view',
        [],
        "no such run in the actor's scope",
      );
    return out;
  });
  return done;
}

/**
 * `/runbook approve RB-n` (or the button): an approver on the run's tenant, never the person who
 * started it, lets the waiting gate pass. Waiting survives restarts: it is a row, not a job.
 */
export async function approveRun(deps: RunbookDeps, actor: Actor, number: number): Promise<Run> {
  const { run } = await actOn(deps, actor, number, 'runbook_view', async (tx, run, guarded) => {
    // Said first: the requester is told why, whatever roles they hold.
    if (run.requestedBy === actor.user)
      throw new AccessDenied(
        `You started ${runRef(number)}: a second person with the approver role on ${run.tenant} must approve it.`,
        'runbook_approve',
        [run.tenant],
        'the requester cannot approve their own run',
      );
    authorize(guarded, 'runbook_approve', [run.tenant]);
    const gate = run.steps.find((s) => s.state === 'waiting_approval');
    if (run.state !== 'waiting_approval' || !gate)
      throw new DomainError(
        'not_waiting',
        `${runRef(number)} is ${RUN_STATE_TEXT[run.state]}, not waiting for approval.`,
      );
    await tx.updateStep(gate.index, { approvedBy: actor.user, state: 'pending' });
    await tx.update({ state: 'running' });
  });
  await note(deps, run, `approved by @${actor.user}`, actor.user);
  await advanceNow(deps, run);
  return run;
}

/** `/runbook cancel RB-n`: stops before the next step and undoes the completed ones in reverse. */
export async function cancelRun(deps: RunbookDeps, actor: Actor, number: number): Promise<Run> {
  const { run } = await actOn(deps, actor, number, 'runbook_cancel', async (tx, run) => {
    if (run.state !== 'running' && run.state !== 'waiting_approval')
      throw new DomainError(
        'not_cancellable',
        run.state === 'completed' || run.state === 'failed'
          ? `${runRef(number)} already ended (${run.state}); \`/runbook rollback ${runRef(number)}\` undoes it.`
          : `${runRef(number)} is ${RUN_STATE_TEXT[run.state]}.`,
      );
    await tx.update({ state: 'cancelling' });
  });
  await note(deps, run, `cancelled by @${actor.user}: undoing the completed steps`, actor.user);
  await advanceNow(deps, run);
  return run;
}

/** `/runbook rollback RB-n`: undoes a completed or failed run, where its runbook says how. */
export async function rollbackRun(deps: RunbookDeps, actor: Actor, number: number): Promise<Run> {
  const { run } = await actOn(deps, actor, number, 'runbook_rollback', async (tx, run) => {
    const def = deps.runbooks[run.runbook];
    if (run.dryRun)
      throw new DomainError(
        'not_rollbackable',
        `${runRef(number)} was a dry run: it changed nothing.`,
      );
    if (!def?.steps(run.params).some((s) => s.undo !== undefined))
      throw new DomainError('not_rollbackable', `${run.runbook} has nothing to roll back.`);
    if (run.state !== 'completed' && run.state !== 'failed')
      throw new DomainError(
        'not_rollbackable',
        `${runRef(number)} is ${RUN_STATE_TEXT[run.state]}: ${run.state === 'running' || run.state === 'waiting_approval' ? `\`/runbook cancel ${runRef(number)}\` stops it` : 'only a completed or failed run can be rolled back'}.`,
      );
    await tx.update({ state: 'rolling_back' });
  }).catch((err: unknown) => {
    // The one-destructive-run rule applies to rollbacks too.
    if ((err as { code?: string }).code === '23505')
      throw new DomainError(
        'tenant_busy',
        `Another destructive run is acting on the tenant; roll back when it ends.`,
      );
    throw err;
  });
  await note(deps, run, `rollback by @${actor.user}: undoing the completed steps`, actor.user);
  await advanceNow(deps, run);
  return run;
}

async function advanceNow(deps: RunbookDeps, run: Run): Promise<void> {
  const current = await deps.store.get(Scope.of([run.tenant]), run.number);
  await refresh(deps, run.number);
  if (current) await deps.jobs.advance(run.number, current.version);
}

/** `/runbook status RB-n`: any role on the run's tenant. */
export async function runStatus(deps: RunbookDeps, actor: Actor, number: number): Promise<Run> {
  const { run } = await actOn(deps, actor, number, 'runbook_view', () => Promise.resolve());
  return run;
}

/** The actor's recent runs (their tenants only). */
export async function recentRuns(
  deps: RunbookDeps,
  actor: Actor,
  limit = 10,
  incident?: number,
): Promise<Run[]> {
  const guarded = await scopeOf(deps.incidents, actor.user);
  return deps.store.list(guarded.scope, { limit, incident });
}
