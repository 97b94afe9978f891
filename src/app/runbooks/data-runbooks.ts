import { DomainError } from '../../domain/errors';
import type { BackupChoice } from '../../domain/backups/backup-chain';
import type { BackupRecord } from '../../domain/backups/backup';
import { isolatedSchemaName } from '../../domain/backups/tenant-schema';
import {
  approvalStep,
  type RunbookDef,
  type StepContext,
  type StepDef,
  type StepOps,
} from './runbook-def';

const HOUR = 60 * 60 * 1000;

/** The run's own id for what it creates, so a retried step finds its earlier work. */
const tag = (ctx: StepContext) => `r${ctx.run.number}`;

function mb(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.ceil(bytes / 1024)} kB`;
}

function describeBackup(b: BackupRecord): string {
  const rows = b.tables.reduce((n, t) => n + t.rows, 0);
  return `${b.kind} backup ${b.id} of ${b.tables.length} tables, ${rows} rows, ${mb(b.bytes)} (snapshot ${b.snapshotAt?.toISOString() ?? '?'})`;
}

/** `tenant-backup <tenant> [kind=full|incremental]`: one consistent snapshot into the catalog. */
export const backupRunbook: RunbookDef = {
  name: 'tenant-backup',
  summary:
    "one consistent backup of the tenant's schema (full or incremental), labelled and checksummed",
  destructive: false,
  needsTarget: true,
  steps: (params) => [
    {
      id: 'backup',
      title: `Take a ${params.kind ?? 'full'} backup (one snapshot)`,
      async plan(ctx) {
        const schema = await ctx.target().schemaOf(ctx.tenant);
        return `write a ${params.kind ?? 'full'} backup of ${schema} (tenant ${ctx.tenant}) to the backup storage and the catalog`;
      },
      async run(ctx) {
        const target = ctx.target();
        await target.ensureControlSchema();
        // The run's id makes the backup exactly-once: a retry returns the backup already taken.
        const b = await target.backup({
          tenant: ctx.tenant,
          kind: params.kind === 'incremental' ? 'incremental' : 'full',
          id: `${ctx.tenant}-${tag(ctx)}`,
        });
        return { summary: describeBackup(b), data: { backupId: b.id } };
      },
    },
  ],
};

function choiceOf(params: Record<string, string>): BackupChoice {
  if (params.backup) return { backupId: params.backup };
  if (params.at) return { at: new Date(params.at) };
  return 'latest';
}

/** `tables=a,b`: the tables a restore replaces (rows only); undefined for the whole tenant. */
export function restoreTablesOf(params: Record<string, string>): string[] | undefined {
  if (params.tables === undefined) return undefined;
  const tables = [
    ...new Set(
      params.tables
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
  if (tables.length === 0)
    throw new DomainError('bad_parameter', 'tables= names no table (tables=orders,invoices)');
  return tables;
}

/** Where a table restore keeps the rows it replaced (for rollback). */
async function keptSchema(ctx: StepContext): Promise<string> {
  const live = await ctx.target().schemaOf(ctx.tenant);
  return isolatedSchemaName(live, `kept_${tag(ctx)}`);
}

const verify: StepDef = {
  id: 'verify-backup',
  title: 'Choose the backup and check every file of its chain reads back',
  async plan(ctx) {
    const chain = await ctx.target().chainFor(ctx.tenant, choiceOf(ctx.params));
    return `restore ${chain.map((b) => `${b.kind} ${b.id}`).join(' + ')}`;
  },
  async run(ctx) {
    const target = ctx.target();
    const chain = await target.chainFor(ctx.tenant, choiceOf(ctx.params));
    // Before anything is paused: a file another host wrote and this one can't read says so here.
    await target.verifyReadable(chain);
    const last = chain.at(-1) as BackupRecord;
    return {
      summary: `${chain.length === 1 ? '' : `${chain.length - 1} incremental(s) on a full; `}${describeBackup(last)}; every file reads back`,
      data: { backupId: last.id, chain: chain.map((b) => b.id) },
    };
  },
};

async function isolated(ctx: StepContext, sandbox: boolean): Promise<string> {
  const live = await ctx.target().schemaOf(ctx.tenant);
  return isolatedSchemaName(live, sandbox ? `sandbox_${tag(ctx)}` : tag(ctx));
}

const restoreInto = (sandbox: boolean): StepDef => ({
  id: 'restore-isolated',
  title: sandbox ? 'Restore into a sandbox schema' : 'Restore into an isolated schema',
  async plan(ctx) {
    return `rebuild the backup's tables, rows, indexes and constraints into ${await isolated(ctx, sandbox)}`;
  },
  async run(ctx) {
    const target = ctx.target();
    const chain = await target.chainFor(ctx.tenant, choiceOf(ctx.params));
    const schema =
      (ctx.context.isolatedSchema as string | undefined) ?? (await isolated(ctx, sandbox));
    const r = await target.restoreInto(ctx.tenant, chain, schema);
    const rows = r.tables.reduce((n, t) => n + t.rows, 0);
    const only = restoreTablesOf(ctx.params);
    return {
      summary: `${schema}: ${r.tables.length} tables, ${rows} rows (${mb(r.bytesRead)} read)`,
      data: {
        isolatedSchema: schema,
        restoredRows: Object.fromEntries(
          r.tables.filter((t) => !only || only.includes(t.name)).map((t) => [t.name, t.rows]),
        ),
      },
    };
  },
  async undo(ctx) {
    const schema = ctx.context.isolatedSchema as string | undefined;
    if (!schema) return 'no isolated schema was made';
    const { dropped } = await ctx.target().dropSchema(schema);
    return dropped ? `dropped ${schema}` : `${schema} was already gone`;
  },
  undoOnFailure: !sandbox,
});

const validate: StepDef = {
  id: 'validate',
  title: 'Validate row counts, checksums, foreign keys and sequences',
  plan: (ctx) => {
    const only = restoreTablesOf(ctx.params);
    return Promise.resolve(
      `compare ${only ? only.join(', ') : 'every table'} with the catalog (rows, SHA-256), check foreign keys and sequences`,
    );
  },
  async run(ctx) {
    const target = ctx.target();
    const schema = ctx.context.isolatedSchema as string;
    const chain = await target.chainFor(ctx.tenant, choiceOf(ctx.params));
    const only = restoreTablesOf(ctx.params);
    const report = await target.validate(
      schema,
      chain.at(-1) as BackupRecord,
      only ? { tables: only } : {},
    );
    if (!report.ok)
      throw new DomainError(
        'validation_failed',
        `the restored data differs from the backup: ${report.problems.slice(0, 5).join('; ')}${report.problems.length > 5 ? ` (+${report.problems.length - 5} more)` : ''}`,
      );
    const rows = report.tables.reduce((n, t) => n + (t.rows ?? 0), 0);
    return { summary: `${report.tables.length} tables, ${rows} rows: counts and checksums match` };
  },
};

const pause: StepDef = {
  id: 'pause-writes',
  title: "Pause the tenant's writes (read-only, writes revoked from the app role)",
  async plan(ctx) {
    const schema = await ctx.target().schemaOf(ctx.tenant);
    return `set read_only for ${ctx.tenant} and revoke INSERT/UPDATE/DELETE on ${schema} from the app role`;
  },
  async run(ctx) {
    const state = await ctx.target().pauseWrites(ctx.tenant);
    if (!state.paused)
      throw new DomainError(
        'pause_failed',
        `writes still go through on ${state.writable.map((t) => t.table).join(', ')}`,
      );
    return { summary: `read-only; a write as the app role is refused on ${state.schema}` };
  },
  async undo(ctx) {
    const state = await ctx.target().resumeWrites(ctx.tenant);
    return state.paused
      ? `writes still paused on ${state.schema}!`
      : `writes back on ${state.schema}`;
  },
  undoOnFailure: true,
};

const approveSwap = approvalStep(
  'approve-swap',
  'Approval to swap the tenant to the restored schema (a second person, approver)',
);

const swap: StepDef = {
  id: 'swap',
  title: 'Swap the routing pointer to the restored schema (the old one is kept)',
  async plan(ctx) {
    const live = await ctx.target().schemaOf(ctx.tenant);
    return `point ${ctx.tenant} from ${live} to ${await isolated(ctx, false)}; keep ${live} for rollback`;
  },
  async run(ctx) {
    const target = ctx.target();
    const chain = await target.chainFor(ctx.tenant, choiceOf(ctx.params));
    // The restored schema is at the backup's version: the next migration starts from there.
    const version = (chain.at(-1) as BackupRecord).schemaVersion;
    const r = await target.swap(ctx.tenant, ctx.context.isolatedSchema as string, { version });
    return {
      summary: `${ctx.tenant} now reads ${r.to}; ${r.from} kept for rollback`,
      data: { previousSchema: r.from },
    };
  },
  async undo(ctx) {
    const back = ctx.context.previousSchema as string | undefined;
    if (!back) return 'the pointer never moved';
    const r = await ctx.target().swap(ctx.tenant, back);
    return `${ctx.tenant} points back to ${r.to}`;
  },
};

const approveTables = (tables: string[]): StepDef =>
  approvalStep(
    'approve-swap',
    `Approval to replace the rows of ${tables.join(', ')} with the restored ones (a second person, approver)`,
  );

const replaceTablesStep = (tables: string[]): StepDef => ({
  id: 'swap',
  title: `Replace the rows of ${tables.join(', ')} in the live schema (one transaction; the replaced rows are kept)`,
  async plan(ctx) {
    const live = await ctx.target().schemaOf(ctx.tenant);
    return `in ${live}, make ${tables.join(', ')} equal to ${await isolated(ctx, false)} (other tables untouched, foreign keys checked first); keep the replaced rows in ${await keptSchema(ctx)} for rollback`;
  },
  async run(ctx) {
    const target = ctx.target();
    const keep = (ctx.context.keptSchema as string | undefined) ?? (await keptSchema(ctx));
    const r = await target.replaceTables(
      ctx.tenant,
      ctx.context.isolatedSchema as string,
      tables,
      keep,
    );
    const counts = r.changed
      ? r.tables
          .map(
            (t) => `${t.name} (${t.deleted} deleted, ${t.updated} rewritten, ${t.inserted} added)`,
          )
          .join(', ')
      : `${tables.join(', ')} (an earlier attempt had done it)`;
    return {
      summary: `${r.schema}: rows of ${counts} now as in the backup; the other tables untouched; the replaced rows kept in ${r.kept} for rollback`,
      data: { keptSchema: r.kept },
    };
  },
  async undo(ctx) {
    const keep = ctx.context.keptSchema as string | undefined;
    if (!keep) return 'no rows were replaced';
    const r = await ctx.target().putBackTables(ctx.tenant, keep);
    return r.changed
      ? `the kept rows of ${r.tables.join(', ')} are back in ${r.schema}; ${keep} dropped`
      : `${keep} was already put back`;
  },
});

const resume: StepDef = {
  id: 'resume-writes',
  title: 'Re-enable writes',
  plan: (ctx) =>
    Promise.resolve(
      `give the app role back its writes on ${ctx.tenant}'s routed schema; read_only off`,
    ),
  async run(ctx) {
    const state = await ctx.target().resumeWrites(ctx.tenant);
    if (state.paused)
      throw new DomainError('resume_failed', `writes still paused on ${state.schema}`);
    return { summary: `writable again on ${state.schema}` };
  },
  // Rolling a restore back pauses first, so the pointer moves back with no write in between.
  async undo(ctx) {
    const state = await ctx.target().pauseWrites(ctx.tenant);
    return `writes paused on ${state.schema} for the rollback`;
  },
};

const watchStep: StepDef = {
  id: 'watch',
  title: 'Watch the tenant for 24 h (hourly: writes, error alerts, row counts)',
  kind: 'watch',
  plan: () => Promise.resolve('hourly checks for 24 h after writes are back, then a final report'),
  run: () => Promise.resolve({ summary: 'watching' }),
};

const dropSandbox: StepDef = {
  id: 'drop-sandbox',
  title: 'Drop the sandbox schema (the live tenant was never touched)',
  plan: () => Promise.resolve('drop the sandbox schema once validated'),
  async run(ctx) {
    const schema = ctx.context.isolatedSchema as string;
    await ctx.target().dropSchema(schema);
    return { summary: `sandbox restore validated; ${schema} dropped` };
  },
};

/**
 * `tenant-restore <tenant> [backup=<id>|at=<time>] [tables=a,b] [--sandbox]`: the seed's five
 * steps (pause, restore into an isolated schema, validate, swap behind an approval, re-enable
 * writes and watch 24 h). The backup's files are checked before anything is paused. `tables=`
 * replaces only those tables' rows in the live schema instead of swapping the whole schema.
 * `--sandbox` restores and validates without touching the live tenant (go-live evidence).
 */
export const restoreRunbook: RunbookDef = {
  name: 'tenant-restore',
  summary:
    'selective restore of one tenant: pause, restore isolated, validate, swap (approval), resume, watch 24 h',
  destructive: (params) => params.sandbox !== 'true',
  needsTarget: true,
  rto: true,
  // The backup asked for must be the tenant's own and exist (or `at=` not be before the oldest).
  async precheck(ctx) {
    const target = ctx.target();
    const chain = await target.chainFor(ctx.tenant, choiceOf(ctx.params));
    const tables = restoreTablesOf(ctx.params);
    if (!tables) return;
    // Every table named must be in the backup and in the live schema.
    const inBackup = new Set((chain.at(-1) as BackupRecord).tables.map((t) => t.name));
    const live = new Set((await target.tableCounts(ctx.tenant)).map((t) => t.table));
    const unknown = tables.filter((t) => !inBackup.has(t) || !live.has(t));
    if (unknown.length)
      throw new DomainError(
        'unknown_table',
        `tables=: ${unknown.map((t) => `${t} (${live.has(t) ? 'not in the backup' : 'no such table in the live schema'})`).join(', ')}; the tenant's tables: ${[...live].sort().join(', ')}. Nothing was changed.`,
      );
  },
  steps: (params) => {
    const tables = restoreTablesOf(params);
    if (params.sandbox === 'true') return [verify, restoreInto(true), validate, dropSandbox];
    return tables
      ? [
          verify,
          pause,
          restoreInto(false),
          validate,
          approveTables(tables),
          replaceTablesStep(tables),
          resume,
          watchStep,
        ]
      : [verify, pause, restoreInto(false), validate, approveSwap, swap, resume, watchStep];
  },
  watch: {
    checks: 24,
    everyMs: HOUR,
    async check(ctx) {
      const target = ctx.target();
      const problems: string[] = [];
      const state = await target.writesPaused(ctx.tenant);
      if (state.paused || state.readOnly) problems.push(`writes are paused on ${state.schema}`);
      // Rows should only grow from what was restored; a table that lost rows is a warning sign.
      const restored = (ctx.context.restoredRows ?? {}) as Record<string, number>;
      const counts = await target.tableCounts(ctx.tenant);
      const shrunk = counts.filter((c) => c.rows < (restored[c.table] ?? 0) * 0.9);
      const rows = counts.reduce((n, c) => n + c.rows, 0);
      if (shrunk.length > 0)
        problems.push(
          `fewer rows than restored in ${shrunk.map((c) => `${c.table} (${c.rows} < ${restored[c.table] ?? 0})`).join(', ')}`,
        );
      const alerts = await errorAlertsSince(ctx, watchSince(ctx));
      if (alerts.firing.length > 0) problems.push(alerts.text);
      if (problems.length > 0) return { ok: false, summary: problems.join('; ') };
      return {
        ok: true,
        summary: `writable on ${state.schema}; ${rows} rows in ${counts.length} tables; ${alerts.text}`,
      };
    },
  },
};

/** Severities that count as the tenant's error alerts (PagerDuty's and Alertmanager's names). */
const ERROR_SEVERITY = /^(critical|error|fatal|emergency)$/i;

/** Since the previous after-care check; for the first, since writes came back. */
function watchSince(ctx: StepContext): Date {
  const last = ctx.context.watchCheckedAt as string | undefined;
  if (last) return new Date(last);
  const resumed = ctx.run.steps.find((s) => s.id === 'resume-writes');
  return resumed?.finishedAt ?? ctx.run.finishedAt ?? ctx.run.createdAt;
}

/** The tenant's error or critical alerts firing (now, or at some time since `since`). */
async function errorAlertsSince(
  ctx: StepContext,
  since: Date,
): Promise<{ firing: string[]; text: string }> {
  let history: StepOps['alerts'];
  try {
    history = ctx.ops().alerts;
  } catch {
    history = undefined;
  }
  if (!history) return { firing: [], text: 'error alerts not checked (no alert history here)' };
  const alerts = (await history.recentAlerts(ctx.tenant, since, 50)).filter((a) =>
    ERROR_SEVERITY.test(a.severityHint ?? ''),
  );
  const firing = alerts.map(
    (a) =>
      `${a.name} (${a.severityHint}, ${a.status === 'resolved' ? `resolved ${a.endsAt?.toISOString() ?? ''}`.trim() : a.status} since ${a.startsAt.toISOString()})`,
  );
  return {
    firing,
    text: firing.length
      ? `${firing.length} error alert${firing.length === 1 ? '' : 's'} on ${ctx.tenant} since ${since.toISOString()}: ${firing.slice(0, 5).join(', ')}${firing.length > 5 ? ` (+${firing.length - 5} more)` : ''}`
      : `no error alert since ${since.toISOString()}`,
  };
}
