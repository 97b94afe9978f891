import { DomainError } from '../../domain/errors';
import { runRef } from '../../domain/runbooks/runbook';
import { integrityProblems, summarizeIntegrity } from '../../domain/target/integrity';
import type { RunbookDef, StepDef } from './runbook-def';

const tablesOf = (params: Record<string, string>) =>
  params.tables ? params.tables.split(',') : undefined;

const verify: StepDef = {
  id: 'verify-integrity',
  title: 'Verify integrity against the newest backup (counts, checksums, keys, amcheck)',
  async plan(ctx) {
    const schema = await ctx.target().schemaOf(ctx.tenant);
    const tables = tablesOf(ctx.params);
    return `compare ${tables ? tables.join(', ') : `every table of ${schema}`} with the newest backup${tables ? ' (named tables: any change is damage)' : ''}; orphaned foreign keys; amcheck where installed`;
  },
  async run(ctx) {
    const tables = tablesOf(ctx.params);
    const report = await ctx
      .target()
      .verifyIntegrity(ctx.tenant, tables ? { tables, unchanged: tables } : {});
    const problems = integrityProblems(report);
    return {
      summary: `${summarizeIntegrity(report)}${problems.length ? `\n${problems.slice(0, 8).join('\n')}${problems.length > 8 ? `\n(+${problems.length - 8} more)` : ''}` : ''}`,
      data: {
        damagedTables: report.damaged,
        // Which damaged tables a table restore cannot bring back (gone, reshaped, not in the backup).
        notRestorable: report.tables
          .filter(
            (t) =>
              report.damaged.includes(t.table) &&
              t.status !== 'changed' &&
              t.status !== 'matches_backup',
          )
          .map((t) => `${t.table} (${t.status.replace('_', ' ')})`),
        damageProblems: problems,
        integrityBackup: report.backupId,
      },
    };
  },
};

const restore: StepDef = {
  id: 'start-restore',
  title:
    'Start a tenant-restore run of the damaged tables (it pauses writes and waits for an approver)',
  plan: () =>
    Promise.resolve(
      "if damage was found, start tenant-restore tables=<the damaged tables> from the newest backup (only those tables' rows are replaced; the whole tenant if a damaged table is gone or reshaped); it is approval-gated",
    ),
  async run(ctx) {
    const damaged = (ctx.context.damagedTables ?? []) as string[];
    if (damaged.length === 0) return { summary: 'no damage found: no restore started' };
    const notRestorable = (ctx.context.notRestorable ?? []) as string[];
    const ops = ctx.ops();
    const after = runRef(ctx.run.number);
    const params: Record<string, string> = {
      after,
      ...(ctx.context.integrityBackup ? { backup: ctx.context.integrityBackup as string } : {}),
      ...(notRestorable.length === 0 ? { tables: damaged.join(',') } : {}),
      ...(ctx.run.incident ? { incident: `INC-${ctx.run.incident}` } : {}),
    };
    const started = await ops.startFollowUp(
      {
        user: ctx.run.requestedBy,
        ...(ctx.run.place.channel ? { channel: ctx.run.place.channel } : {}),
        ...(ctx.run.place.threadTs ? { threadTs: ctx.run.place.threadTs } : {}),
      },
      { runbook: 'tenant-restore', tenant: ctx.tenant, params },
    );
    const from = params.backup ?? 'its newest backup';
    const what =
      notRestorable.length === 0
        ? `tables=${damaged.join(',')}: it replaces only the rows of ${damaged.join(', ')} from ${from} (the other tables keep their data) and waits for an approver before replacing them`
        : `the whole tenant, because ${notRestorable.join(', ')} cannot be restored table by table: it restores every table from ${from} (restore swaps the schema, so the other tables go back to the backup too) and waits for an approver before the swap`;
    return {
      summary: `${runRef(started.number)} tenant-restore started for the damaged table${damaged.length === 1 ? '' : 's'} ${damaged.join(', ')}, ${what}`,
      data: { restoreRun: started.number },
    };
  },
};

const customerDraft: StepDef = {
  id: 'customer-draft',
  title: 'Post a customer message draft to the comms role (never sent without a person)',
  plan: (ctx) =>
    Promise.resolve(`post a customer message draft for ${ctx.tenant} to its comms role`),
  async run(ctx) {
    const damaged = (ctx.context.damagedTables ?? []) as string[];
    const ops = ctx.ops();
    const comms = await ops.comms(ctx.tenant);
    const restoring = ctx.context.restoreRun ? runRef(ctx.context.restoreRun as number) : null;
    const text =
      damaged.length === 0
        ? 'Hello, we checked the integrity of your data after a report of a problem: we found no damage. We will keep an eye on it and tell you if anything changes.'
        : [
            'Hello, we found that part of your data was damaged and we are restoring it from our most recent verified backup.',
            'While the restore runs your account is briefly read-only; changes made since that backup may need to be entered again, and we will tell you which.',
            'We will update you as soon as the restore is complete.',
          ].join('\n');
    await ops.notices.commsDraft(ctx.run, { comms, title: 'Customer message', text });
    return {
      summary: `customer draft posted for ${comms.length ? comms.map((u) => `@${u}`).join(', ') : 'the comms role (no holder on this tenant)'}${restoring ? ` (restore ${restoring})` : ''}; nothing was sent to the customer`,
    };
  },
};

/**
 * `tenant-corruption <tenant> [tables=a,b] [incident=INC-n]` (seed §4, data corruption):
 * integrity verification against the newest backup, a report of what is damaged, a
 * `tenant-restore` run when something is (approval-gated by the restore), a customer draft.
 */
export const corruptionRunbook: RunbookDef = {
  name: 'tenant-corruption',
  summary:
    'data corruption: integrity check against the newest backup, then tenant-restore (approval-gated) and a customer draft',
  // It only reads and starts a restore, which holds the tenant itself.
  destructive: false,
  needsTarget: true,
  async precheck(ctx) {
    const target = ctx.target();
    const schema = await target.schemaOf(ctx.tenant);
    const tables = tablesOf(ctx.params);
    if (!tables) return;
    const known = new Set((await target.tableCounts(ctx.tenant)).map((t) => t.table));
    const unknown = tables.filter((t) => !known.has(t));
    if (unknown.length)
      throw new DomainError(
        'unknown_table',
        `${schema} has no table ${unknown.join(', ')} (it has ${[...known].sort().join(', ')}).`,
      );
  },
  steps: () => [verify, restore, customerDraft],
};
