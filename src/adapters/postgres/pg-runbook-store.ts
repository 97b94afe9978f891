import type { PoolClient } from 'pg';
import { DomainError } from '../../domain/errors';
import {
  runRef,
  type Run,
  type RunbookName,
  type RunState,
  type RunStep,
  type StepKind,
  type StepState,
  RUN_STATE_TEXT,
} from '../../domain/runbooks/runbook';
import { Scope } from '../../domain/tenants/scope';
import type {
  ActiveRun,
  NewRun,
  RunbookStore,
  RunChanges,
  RunTx,
  StepChanges,
  StepLease,
} from '../../ports/runbook-store';
import type { Database, Queryable } from './database';

interface RunRow {
  id: string;
  tenant_id: string;
  runbook: RunbookName;
  params: Record<string, string>;
  dry_run: boolean;
  destructive: boolean;
  requested_by: string;
  incident_id: string | null;
  state: RunState;
  created_at: Date;
  finished_at: Date | null;
  outcome: string | null;
  context: Record<string, unknown>;
  demo: boolean;
  rto_due_at: Date | null;
  channel_id: string | null;
  thread_ts: string | null;
  message_ts: string | null;
  version: number;
}

interface StepRow {
  run_id: string;
  idx: number;
  step: string;
  title: string;
  kind: StepKind;
  state: StepState;
  attempts: number;
  started_at: Date | null;
  finished_at: Date | null;
  output: string | null;
  error: string | null;
  approved_by: string | null;
}

function toStep(r: StepRow): RunStep {
  return {
    index: r.idx,
    id: r.step,
    title: r.title,
    kind: r.kind,
    state: r.state,
    attempts: r.attempts,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    output: r.output,
    error: r.error,
    approvedBy: r.approved_by,
  };
}

function toRun(r: RunRow, steps: StepRow[]): Run {
  return {
    number: Number(r.id),
    runbook: r.runbook,
    tenant: r.tenant_id,
    params: r.params,
    dryRun: r.dry_run,
    destructive: r.destructive,
    requestedBy: r.requested_by,
    incident: r.incident_id === null ? null : Number(r.incident_id),
    state: r.state,
    steps: steps.filter((s) => s.run_id === r.id).map(toStep),
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    outcome: r.outcome,
    context: r.context,
    demo: r.demo,
    rtoDueAt: r.rto_due_at,
    place: { channel: r.channel_id, threadTs: r.thread_ts, messageTs: r.message_ts },
    version: r.version,
  };
}

async function load(c: Queryable, where: string, params: unknown[]): Promise<Run[]> {
  const { rows } = await c.query<RunRow>(`SELECT * FROM runbook_runs ${where}`, params);
  if (rows.length === 0) return [];
  const steps = await c.query<StepRow>(
    'SELECT * FROM runbook_steps WHERE run_id = ANY($1) ORDER BY run_id, idx',
    [rows.map((r) => r.id)],
  );
  return rows.map((r) => toRun(r, steps.rows));
}

const RUN_COLUMNS: Record<Exclude<keyof RunChanges, 'context' | 'incident'>, string> = {
  state: 'state',
  outcome: 'outcome',
  finishedAt: 'finished_at',
  rtoDueAt: 'rto_due_at',
  messageTs: 'message_ts',
};

class PgRunTx implements RunTx {
  constructor(
    private readonly c: PoolClient,
    private readonly id: number,
  ) {}

  async update(changes: RunChanges): Promise<void> {
    const sets = ['version = version + 1'];
    const values: unknown[] = [this.id];
    for (const [key, column] of Object.entries(RUN_COLUMNS) as [
      keyof typeof RUN_COLUMNS,
      string,
    ][]) {
      if (changes[key] === undefined) continue;
      values.push(changes[key]);
      sets.push(`${column} = $${values.length}`);
    }
    if (changes.context) {
      values.push(JSON.stringify(changes.context));
      sets.push(`context = context || $${values.length}::jsonb`);
    }
    if (changes.incident !== undefined) {
      values.push(changes.incident);
      sets.push(`incident_id = coalesce(incident_id, $${values.length})`);
    }
    await this.c.query(`UPDATE runbook_runs SET ${sets.join(', ')} WHERE id = $1`, values);
  }

  async updateStep(index: number, changes: StepChanges): Promise<void> {
    const sets: string[] = [];
    const values: unknown[] = [this.id, index];
    const set = (column: string, value: unknown) => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (changes.state !== undefined) set('state', changes.state);
    if (changes.startedAt !== undefined) set('started_at', changes.startedAt);
    if (changes.finishedAt !== undefined) set('finished_at', changes.finishedAt);
    if (changes.output !== undefined) set('output', changes.output);
    if (changes.error !== undefined) set('error', changes.error);
    if (changes.approvedBy !== undefined) set('approved_by', changes.approvedBy);
    if (changes.attempt) sets.push('attempts = attempts + 1');
    if (changes.lease !== undefined) {
      set('lease_token', changes.lease?.token ?? null);
      set('lease_until', changes.lease?.until ?? null);
    }
    if (sets.length === 0) return;
    await this.c.query(
      `UPDATE runbook_steps SET ${sets.join(', ')} WHERE run_id = $1 AND idx = $2`,
      values,
    );
    await this.c.query('UPDATE runbook_runs SET version = version + 1 WHERE id = $1', [this.id]);
  }

  async lease(index: number): Promise<StepLease> {
    const { rows } = await this.c.query<{ lease_token: string | null; lease_until: Date | null }>(
      'SELECT lease_token, lease_until FROM runbook_steps WHERE run_id = $1 AND idx = $2',
      [this.id, index],
    );
    return { token: rows[0]?.lease_token ?? null, until: rows[0]?.lease_until ?? null };
  }
}

const RECONCILER = Scope.platform('runbook reconciler: runs left without a job');
const MESSAGES = Scope.platform('runbook progress messages');
const LEASES = Scope.platform('runbook step leases (the worker holding a step)');

/** RunbookStore on Postgres; every transaction runs as the app role under row-level security. */
export class PgRunbookStore implements RunbookStore {
  constructor(private readonly db: Database) {}

  create(scope: Scope, run: NewRun): Promise<Run> {
    return this.db
      .scoped(scope, async (c) => {
        const { rows } = await c.query<{ id: string }>(
          `INSERT INTO runbook_runs (tenant_id, runbook, params, dry_run, destructive, requested_by,
             incident_id, state, demo, channel_id, thread_ts)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8, $9, $10) RETURNING id`,
          [
            run.tenant,
            run.runbook,
            JSON.stringify(run.params),
            run.dryRun,
            run.destructive,
            run.requestedBy,
            run.incident,
            run.demo,
            run.place.channel,
            run.place.threadTs,
          ],
        );
        const id = rows[0]!.id;
        await c.query(
          `INSERT INTO runbook_steps (run_id, idx, tenant_id, step, title, kind, state)
           SELECT $1, s.idx - 1, $2, s.step, s.title, s.kind, 'pending'
           FROM unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS s(step, title, kind, idx)`,
          [
            id,
            run.tenant,
            run.steps.map((s) => s.id),
            run.steps.map((s) => s.title),
            run.steps.map((s) => s.kind),
          ],
        );
        const [made] = await load(c, 'WHERE id = $1', [id]);
        return made!;
      })
      .catch(async (err: unknown) => {
        if ((err as { code?: string }).code !== '23505') throw err;
        const busy = await this.db.scoped(scope, (c) =>
          load(
            c,
            `WHERE tenant_id = $1 AND destructive AND NOT dry_run
               AND state IN ('running', 'waiting_approval', 'failing', 'cancelling', 'rolling_back')`,
            [run.tenant],
          ),
        );
        const other = busy[0];
        throw new DomainError(
          'tenant_busy',
          other
            ? `${run.tenant} is busy: ${runRef(other.number)} (${other.runbook}, ${RUN_STATE_TEXT[other.state]}) is acting on it. Wait for it, or \`/runbook cancel ${runRef(other.number)}\`.`
            : `${run.tenant} is busy with another destructive run.`,
        );
      });
  }

  async get(scope: Scope, number: number): Promise<Run | undefined> {
    const [run] = await this.db.scoped(scope, (c) => load(c, 'WHERE id = $1', [number]));
    return run;
  }

  list(
    scope: Scope,
    filter: { tenant?: string; incident?: number; limit: number },
  ): Promise<Run[]> {
    // For listings: each query in one round trip (a run and its steps may be read a moment apart).
    return load(
      this.db.reader(scope),
      `WHERE ($1::text IS NULL OR tenant_id = $1) AND ($2::bigint IS NULL OR incident_id = $2)
       ORDER BY id DESC LIMIT $3`,
      [filter.tenant ?? null, filter.incident ?? null, filter.limit],
    );
  }

  withRun<T>(
    scope: Scope,
    number: number,
    fn: (tx: RunTx, run: Run) => Promise<T>,
  ): Promise<T | undefined> {
    return this.db.scoped(scope, async (c) => {
      const [run] = await load(c, 'WHERE id = $1 FOR UPDATE', [number]);
      if (!run) return undefined;
      return fn(new PgRunTx(c, number), run);
    });
  }

  active(): Promise<ActiveRun[]> {
    return this.db.scoped(RECONCILER, async (c) => {
      const { rows } = await c.query<{
        id: string;
        runbook: RunbookName;
        tenant_id: string;
        state: RunState;
        version: number;
        leased: boolean;
        rto_due_at: Date | null;
        watch_since: Date | null;
        watch_done: number;
      }>(
        `SELECT r.id, r.runbook, r.tenant_id, r.state, r.version, r.rto_due_at,
           EXISTS (SELECT 1 FROM runbook_steps s WHERE s.run_id = r.id AND s.lease_until > now()) AS leased,
           CASE WHEN r.state = 'completed' THEN r.finished_at END AS watch_since,
           coalesce((r.context->>'watchDone')::int, 0) AS watch_done
         FROM runbook_runs r
         WHERE r.state IN ('running', 'waiting_approval', 'failing', 'cancelling', 'rolling_back')
            OR (r.state = 'completed' AND EXISTS (
              SELECT 1 FROM runbook_steps s WHERE s.run_id = r.id AND s.kind = 'watch' AND s.state = 'running'))`,
      );
      return rows.map((r) => ({
        number: Number(r.id),
        runbook: r.runbook,
        tenant: r.tenant_id,
        state: r.state,
        version: r.version,
        leased: r.leased,
        rtoDueAt: r.rto_due_at,
        watchSince: r.watch_since,
        watchDone: r.watch_done,
      }));
    });
  }

  tenantsAddedAt(): Promise<{ id: string; createdAt: Date }[]> {
    return this.db.scoped(RECONCILER, async (c) => {
      const { rows } = await c.query<{ id: string; created_at: Date }>(
        'SELECT id, created_at FROM tenants ORDER BY id',
      );
      return rows.map((r) => ({ id: r.id, createdAt: r.created_at }));
    });
  }

  async renewLease(number: number, index: number, token: string, until: Date): Promise<boolean> {
    const rows = await this.db.statement(
      LEASES,
      `UPDATE runbook_steps SET lease_until = $4
       WHERE run_id = $1 AND idx = $2 AND lease_token = $3 RETURNING idx`,
      [number, index, token, until],
    );
    return rows.length === 1;
  }

  messagePosted(number: number, ts: string): Promise<Run | undefined> {
    return this.db.scoped(MESSAGES, async (c) => {
      await c.query(
        'UPDATE runbook_runs SET message_ts = $2 WHERE id = $1 AND message_ts IS NULL',
        [number, ts],
      );
      const [run] = await load(c, 'WHERE id = $1', [number]);
      return run;
    });
  }

  async lastRun(
    scope: Scope,
    tenant: string,
    runbook: RunbookName,
    params: Record<string, string> = {},
  ): Promise<Run | undefined> {
    const [run] = await this.db.scoped(scope, (c) =>
      load(
        c,
        `WHERE tenant_id = $1 AND runbook = $2 AND params @> $3::jsonb AND NOT dry_run
         ORDER BY id DESC LIMIT 1`,
        [tenant, runbook, JSON.stringify(params)],
      ),
    );
    return run;
  }
}
