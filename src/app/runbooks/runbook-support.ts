import { DomainError } from '../../domain/errors';
import { incidentRef } from '../../domain/incidents/incident';
import { maskPersonalData } from '../../domain/masking';
import { runRef, type Run } from '../../domain/runbooks/runbook';
import { Scope } from '../../domain/tenants/scope';
import type { RunbookDef, StepContext } from './runbook-def';
import { RUNBOOK_MESSAGE, type RunbookDeps } from './runbook-deps';

// Steps act for the person who started the run, on that run's tenant only: the worker's
// transactions are scoped to it, so no step can read or write another tenant's rows.
export const scopeOf = (tenant: string): Scope => Scope.of([tenant]);

/** The run's definition; a run of a runbook this build lacks can't move (and says so). */
export function definitionOf(deps: RunbookDeps, run: Run): RunbookDef {
  const def = deps.runbooks[run.runbook];
  if (!def)
    throw new DomainError('unknown_runbook', `${run.runbook} is not available in this build.`);
  return def;
}

export function stepContext(deps: RunbookDeps, run: Run): StepContext {
  return {
    run,
    tenant: run.tenant,
    params: run.params,
    context: run.context,
    target() {
      if (!deps.target) throw new DomainError('no_target', deps.noTarget);
      return deps.target;
    },
    ops() {
      if (!deps.ops)
        throw new DomainError('no_ops', 'This tenantops was built without the incident runbooks.');
      return {
        ...deps.ops,
        notices: deps.notices,
        comms: (tenant) => deps.incidents.access.holdersOf([tenant], 'comms'),
      };
    },
    now: () => deps.clock.now(),
  };
}

/** Errors worth another try (the target or Vault briefly away), as opposed to a rule broken. */
export function isRetryable(err: unknown): boolean {
  const retryable = (err as { retryable?: unknown } | null)?.retryable;
  // Errors that say so themselves (TenantKeyError: Vault denied vs. sealed) are taken at their word.
  if (typeof retryable === 'boolean') return retryable;
  if (err instanceof DomainError) return /unreachable|sealed|timeout/.test(err.code);
  return true;
}

/** Edits the run's message to its current render (bursts become one edit). */
export async function refresh(deps: RunbookDeps, number: number): Promise<void> {
  await deps.outbox
    .refresh(RUNBOOK_MESSAGE, String(number))
    .catch((err: unknown) =>
      deps.log.warn({ err, run: runRef(number) }, 'runbook message not refreshed'),
    );
}

/** Every step, approval and refusal goes to the audit log and, for an incident's run, its timeline. */
export async function note(
  deps: RunbookDeps,
  run: Run,
  text: string,
  actor?: string,
): Promise<void> {
  const at = deps.clock.now();
  const line = maskPersonalData(
    `${runRef(run.number)} ${run.runbook}${run.demo ? ' (demo target)' : ''}: ${text}`,
  );
  await deps.incidents.audit.record({
    at,
    actor: actor ?? run.requestedBy,
    action: 'runbook',
    outcome: 'allowed',
    tenantIds: [run.tenant],
    ...(run.incident ? { incident: run.incident } : {}),
    reason: line.slice(0, 1000),
  });
  if (!run.incident) return;
  const incident = run.incident;
  await deps.incidents.store
    .inScope(scopeOf(run.tenant), (tx) =>
      tx.appendTimeline(incident, {
        at,
        actor: actor ?? null,
        kind: 'runbook',
        text: line,
        tenants: [run.tenant],
      }),
    )
    .catch((err: unknown) =>
      deps.log.warn({ err, incident: incidentRef(incident) }, 'runbook timeline entry not written'),
    );
}
