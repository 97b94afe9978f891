// RunbookStore over MemoryDb, statement by statement as pg-runbook-store.ts runs them, with the
// rules of migration 009_runbooks.sql: row-level security by the run's tenant, the CHECKs, the
// foreign keys, the unique index that lets one destructive run act on a tenant at a time (on
// INSERT and on UPDATE), a version bumped by every change, and step leases.
import { DomainError } from '../../../src/domain/errors';
import {
  runRef,
  RUN_STATES,
  STEP_STATES,
  type Run,
  type RunbookName,
  type RunState,
} from '../../../src/domain/runbooks/runbook';
import { Scope } from '../../../src/domain/tenants/scope';
import type { Clock } from '../../../src/ports/clock';
import type {
  ActiveRun,
  NewRun,
  RunbookStore,
  RunChanges,
  RunTx,
  StepChanges,
  StepLease,
} from '../../../src/ports/runbook-store';
import { clone, rlsViolation, type MemoryDb, type Rls, type RunRow } from './memory-db';

const ACTIVE: readonly RunState[] = [
  'running',
  'waiting_approval',
  'failing',
  'cancelling',
  'rolling_back',
];
const KINDS = ['action', 'approval', 'watch'];

/** What node-postgres throws for a duplicate key: a DatabaseError with SQLSTATE 23505. */
export function uniqueViolation(index: string): Error {
  return Object.assign(new Error(`duplicate key value violates unique constraint "${index}"`), {
    code: '23505',
  });
}

function checkViolation(table: string): Error {
  return Object.assign(new Error(`new row for relation "${table}" violates check constraint`), {
    code: '23514',
  });
}

function foreignKeyViolation(table: string): Error {
  return Object.assign(new Error(`insert on table "${table}" violates foreign key constraint`), {
    code: '23503',
  });
}

/** jsonb keeps what JSON keeps (a Date becomes its ISO text). */
const jsonb = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** runbook_runs_one_destructive: (tenant_id) WHERE destructive AND NOT dry_run AND active. */
function holdsTenant(r: RunRow): boolean {
  return r.destructive && !r.dryRun && ACTIVE.includes(r.state);
}

function assertOneDestructive(rls: Rls, row: RunRow): void {
  if (!holdsTenant(row)) return;
  const other = rls.t.runs.find(
    (r) => r.number !== row.number && r.tenant === row.tenant && holdsTenant(r),
  );
  if (other) throw uniqueViolation('runbook_runs_one_destructive');
}

/** `load`: the run rows a transaction sees, with their steps in order. */
function load(rls: Rls, where: (r: RunRow) => boolean): Run[] {
  return rls.t.runs
    .filter((r) => rls.allows([r.tenant]) && where(r))
    .map((r) => ({
      ...clone(r),
      steps: rls.t.runSteps
        .filter((s) => s.run === r.number && rls.allows([s.tenant]))
        .sort((a, b) => a.index - b.index)
        .map(({ run: _r, tenant: _t, leaseToken: _l, leaseUntil: _u, ...step }) => clone(step)),
    }));
}

class MemoryRunTx implements RunTx {
  constructor(
    private readonly rls: Rls,
    private readonly id: number,
  ) {}

  private row(): RunRow | undefined {
    return this.rls.t.runs.find((r) => r.number === this.id && this.rls.allows([r.tenant]));
  }

  /** `UPDATE runbook_runs SET version = version + 1, … WHERE id = $1`. */
  update(changes: RunChanges): Promise<void> {
    const row = this.row();
    if (!row) return Promise.resolve();
    const next: RunRow = { ...clone(row), version: row.version + 1 };
    if (changes.state !== undefined) next.state = changes.state;
    if (changes.outcome !== undefined) next.outcome = changes.outcome;
    if (changes.finishedAt !== undefined) next.finishedAt = new Date(changes.finishedAt);
    if (changes.rtoDueAt !== undefined) next.rtoDueAt = new Date(changes.rtoDueAt);
    if (changes.messageTs !== undefined) next.place.messageTs = changes.messageTs;
    if (changes.context) next.context = { ...next.context, ...jsonb(changes.context) };
    if (changes.incident !== undefined) {
      if (!this.rls.t.incidents.some((i) => i.number === changes.incident))
        throw new Error('runbook_runs_incident_id_fkey');
      next.incident ??= changes.incident;
    }
    if (!RUN_STATES.includes(next.state)) throw checkViolation('runbook_runs');
    assertOneDestructive(this.rls, next);
    Object.assign(row, next);
    this.wrote('runbook_runs', row, Object.keys(changes).join(','));
    return Promise.resolve();
  }

  /** `UPDATE runbook_steps SET … WHERE run_id = $1 AND idx = $2`, then the run's version + 1. */
  updateStep(index: number, changes: StepChanges): Promise<void> {
    const touched = Object.entries(changes).filter(
      ([k, v]) => v !== undefined && (k !== 'attempt' || v === true),
    );
    if (touched.length === 0) return Promise.resolve();
    if (changes.state !== undefined && !STEP_STATES.includes(changes.state))
      throw checkViolation('runbook_steps');
    const step = this.rls.t.runSteps.find(
      (s) => s.run === this.id && s.index === index && this.rls.allows([s.tenant]),
    );
    if (step) {
      if (changes.state !== undefined) step.state = changes.state;
      if (changes.startedAt !== undefined) step.startedAt = new Date(changes.startedAt);
      if (changes.finishedAt !== undefined) step.finishedAt = new Date(changes.finishedAt);
      if (changes.output !== undefined) step.output = changes.output;
      if (changes.error !== undefined) step.error = changes.error;
      if (changes.approvedBy !== undefined) step.approvedBy = changes.approvedBy;
      if (changes.attempt) step.attempts += 1;
      if (changes.lease !== undefined) {
        step.leaseToken = changes.lease?.token ?? null;
        step.leaseUntil = changes.lease ? new Date(changes.lease.until) : null;
      }
    }
    const row = this.row();
    if (row) {
      row.version += 1;
      this.wrote('runbook_steps', row, `step ${index}: ${touched.map(([k]) => k).join(',')}`);
    }
    return Promise.resolve();
  }

  lease(index: number): Promise<StepLease> {
    const step = this.rls.t.runSteps.find(
      (s) => s.run === this.id && s.index === index && this.rls.allows([s.tenant]),
    );
    return Promise.resolve({
      token: step?.leaseToken ?? null,
      until: step?.leaseUntil ? new Date(step.leaseUntil) : null,
    });
  }

  private wrote(table: 'runbook_runs' | 'runbook_steps', row: RunRow, what: string): void {
    this.rls.wrote({
      table,
      op: 'update',
      tenants: [row.tenant],
      incident: row.incident ?? 0,
      what: `${runRef(row.number)} ${what}`,
    });
  }
}

const RECONCILER = Scope.platform('runbook reconciler: runs left without a job');
const MESSAGES = Scope.platform('runbook progress messages');
const LEASES = Scope.platform('runbook step leases (the worker holding a step)');

/**
 * RunbookStore in memory. `clock` stands for the database's `now()` (a run's created_at, which
 * leases are live for the reconciler).
 */
export class MemoryRunbookStore implements RunbookStore {
  constructor(
    private readonly db: MemoryDb,
    private readonly clock: Clock,
  ) {}

  async create(scope: Scope, run: NewRun): Promise<Run> {
    try {
      return await this.db.transaction(scope, (rls) => Promise.resolve(this.insert(rls, run)));
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err;
      const busy = await this.db.transaction(scope, (rls) =>
        Promise.resolve(load(rls, (r) => r.tenant === run.tenant && holdsTenant(r))),
      );
      const other = busy[0];
      throw new DomainError(
        'tenant_busy',
        other
          ? `${run.tenant} is busy: ${runRef(other.number)} (${other.runbook}, ${other.state.replace('_', ' ')}) is acting on it. Wait for it, or \`/runbook cancel ${runRef(other.number)}\`.`
          : `${run.tenant} is busy with another destructive run.`,
      );
    }
  }

  private insert(rls: Rls, run: NewRun): Run {
    // runbook_runs_scope has USING only, so it is also the INSERT's WITH CHECK.
    if (!rls.allows([run.tenant])) throw rlsViolation('runbook_runs');
    if (!rls.t.tenants.some((t) => t.id === run.tenant)) throw foreignKeyViolation('runbook_runs');
    if (run.incident !== null && !rls.t.incidents.some((i) => i.number === run.incident))
      throw foreignKeyViolation('runbook_runs');
    if (run.steps.some((s) => !KINDS.includes(s.kind))) throw checkViolation('runbook_steps');
    const row: RunRow = {
      number: rls.next('run'),
      runbook: run.runbook,
      tenant: run.tenant,
      params: jsonb(run.params),
      dryRun: run.dryRun,
      destructive: run.destructive,
      requestedBy: run.requestedBy,
      incident: run.incident,
      state: 'running',
      createdAt: this.clock.now(),
      finishedAt: null,
      outcome: null,
      context: {},
      demo: run.demo,
      rtoDueAt: null,
      place: { channel: run.place.channel, threadTs: run.place.threadTs, messageTs: null },
      version: 1,
    };
    assertOneDestructive(rls, row);
    rls.t.runs.push(row);
    const what = `${runRef(row.number)} ${row.runbook}`;
    rls.wrote({
      table: 'runbook_runs',
      op: 'insert',
      tenants: [row.tenant],
      incident: row.incident ?? 0,
      what,
    });
    run.steps.forEach((s, index) => {
      rls.t.runSteps.push({
        run: row.number,
        tenant: row.tenant,
        index,
        id: s.id,
        title: s.title,
        kind: s.kind,
        state: 'pending',
        attempts: 0,
        startedAt: null,
        finishedAt: null,
        output: null,
        error: null,
        approvedBy: null,
        leaseToken: null,
        leaseUntil: null,
      });
    });
    if (run.steps.length > 0)
      rls.wrote({
        table: 'runbook_steps',
        op: 'insert',
        tenants: [row.tenant],
        incident: row.incident ?? 0,
        what,
      });
    return load(rls, (r) => r.number === row.number)[0] as Run;
  }

  get(scope: Scope, number: number): Promise<Run | undefined> {
    return this.db.transaction(scope, (rls) =>
      Promise.resolve(load(rls, (r) => r.number === number)[0]),
    );
  }

  list(scope: Scope, filter: { tenant?: string; incident?: number; limit: number }) {
    return this.db.transaction(scope, (rls) => {
      const runs = load(
        rls,
        (r) =>
          (filter.tenant === undefined || r.tenant === filter.tenant) &&
          (filter.incident === undefined || r.incident === filter.incident),
      );
      return Promise.resolve(runs.sort((a, b) => b.number - a.number).slice(0, filter.limit));
    });
  }

  withRun<T>(
    scope: Scope,
    number: number,
    fn: (tx: RunTx, run: Run) => Promise<T>,
  ): Promise<T | undefined> {
    return this.db.transaction(scope, async (rls) => {
      const [run] = load(rls, (r) => r.number === number);
      if (!run) return undefined;
      return fn(new MemoryRunTx(rls, number), run);
    });
  }

  active(): Promise<ActiveRun[]> {
    return this.db.transaction(RECONCILER, (rls) => {
      const now = this.clock.now();
      const steps = rls.t.runSteps;
      const watching = (n: number) =>
        steps.some((s) => s.run === n && s.kind === 'watch' && s.state === 'running');
      const rows = rls.t.runs.filter(
        (r) => ACTIVE.includes(r.state) || (r.state === 'completed' && watching(r.number)),
      );
      return Promise.resolve(
        rows.map((r) => ({
          number: r.number,
          runbook: r.runbook,
          tenant: r.tenant,
          state: r.state,
          version: r.version,
          leased: steps.some(
            (s) => s.run === r.number && s.leaseUntil !== null && s.leaseUntil > now,
          ),
          rtoDueAt: r.rtoDueAt ? new Date(r.rtoDueAt) : null,
          watchSince: r.state === 'completed' && r.finishedAt ? new Date(r.finishedAt) : null,
          watchDone: Number(r.context.watchDone ?? 0),
        })),
      );
    });
  }

  tenantsAddedAt(): Promise<{ id: string; createdAt: Date }[]> {
    return this.db.transaction(RECONCILER, (rls) =>
      Promise.resolve(
        [...rls.t.tenants]
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((t) => ({ id: t.id, createdAt: new Date(rls.t.tenantCreatedAt[t.id] ?? 0) })),
      ),
    );
  }

  renewLease(number: number, index: number, token: string, until: Date): Promise<boolean> {
    return this.db.transaction(LEASES, (rls) => {
      const step = rls.t.runSteps.find(
        (s) => s.run === number && s.index === index && s.leaseToken === token,
      );
      if (step) step.leaseUntil = new Date(until);
      return Promise.resolve(step !== undefined);
    });
  }

  messagePosted(number: number, ts: string): Promise<Run | undefined> {
    return this.db.transaction(MESSAGES, (rls) => {
      const row = rls.t.runs.find((r) => r.number === number);
      if (row && row.place.messageTs === null) row.place.messageTs = ts;
      return Promise.resolve(load(rls, (r) => r.number === number)[0]);
    });
  }

  lastRun(
    scope: Scope,
    tenant: string,
    runbook: RunbookName,
    params: Record<string, string> = {},
  ): Promise<Run | undefined> {
    return this.db.transaction(scope, (rls) => {
      // `params @> $3::jsonb` for a flat object of strings.
      const runs = load(
        rls,
        (r) =>
          r.tenant === tenant &&
          r.runbook === runbook &&
          !r.dryRun &&
          Object.entries(params).every(([k, v]) => r.params[k] === v),
      );
      return Promise.resolve(runs.sort((a, b) => b.number - a.number)[0]);
    });
  }
}
