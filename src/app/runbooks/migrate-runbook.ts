import { DomainError } from '../../domain/errors';
import type { ShadowResult, TableChange } from '../../ports/target-migrations';
import { approvalStep, type RunbookDef, type StepContext, type StepDef } from './runbook-def';

const FLAG = 'migrating';

/** `migration=<NNNN_name>`, required. */
function migrationOf(ctx: StepContext): string {
  const name = ctx.params.migration;
  if (!name)
    throw new DomainError(
      'missing_parameter',
      'tenant-migrate needs migration=<NNNN_name> (a file NNNN_name.sql of target.migrationsDir)',
    );
  return name;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function describeChanges(tables: TableChange[]): string {
  const parts = tables.flatMap((t) => {
    if (t.change === 'added') return [`${t.name} new`];
    if (t.change === 'dropped') return [`${t.name} dropped`];
    return [
      ...t.addedColumns.map((c) => `${t.name} +${c}`),
      ...t.droppedColumns.map((c) => `${t.name} -${c}`),
      ...t.convertedColumns.map((c) => `${t.name}.${c} retyped`),
    ];
  });
  return parts.length ? parts.join(', ') : 'no table or column changes (indexes, constraints)';
}

function describeShadow(s: ShadowResult): string {
  return `${s.shadowSchema} at version ${s.toVersion} from ${s.fromSchema} (version ${s.fromVersion}): ${describeChanges(s.tables)}`;
}

const flagOn: StepDef = {
  id: 'flag-on',
  title: 'Turn the tenant\'s "migrating" flag on',
  async plan(ctx) {
    const m = await ctx.target().nextMigration(ctx.tenant, migrationOf(ctx));
    const v = await ctx.target().tenantVersion(ctx.tenant);
    return `set flags.${FLAG} = ${m.name} for ${ctx.tenant} (on ${v.schema}, version ${v.version} → ${m.version})`;
  },
  async run(ctx) {
    const target = ctx.target();
    await target.ensureControlSchema();
    // Refused here, before anything changes, when the file is missing or not the next one.
    const m = await target.nextMigration(ctx.tenant, migrationOf(ctx));
    await target.setFlag(ctx.tenant, FLAG, m.name);
    return { summary: `flags.${FLAG} = ${m.name}`, data: { migration: m.name } };
  },
  async undo(ctx) {
    await ctx.target().setFlag(ctx.tenant, FLAG, null);
    return `flags.${FLAG} removed`;
  },
  undoOnFailure: true,
};

const shadow: StepDef = {
  id: 'shadow',
  title: 'Build the shadow schema at the new version (live structure + the migration)',
  async plan(ctx) {
    const m = await ctx.target().readMigration(migrationOf(ctx));
    const v = await ctx.target().tenantVersion(ctx.tenant);
    return `copy the structure of ${v.schema} into a new schema and run ${m.name}.sql there (${m.checks.length} -- check: queries); the live schema is not touched`;
  },
  async run(ctx) {
    const s = await ctx.target().createShadow(ctx.tenant, migrationOf(ctx));
    return { summary: describeShadow(s), data: { shadowSchema: s.shadowSchema } };
  },
  // A failure after the switch leaves the tenant on the new schema (writable): the shadow is
  // its live schema then, and stays; a rollback points back first, then drops it.
  async undo(ctx) {
    const target = ctx.target();
    const v = await target.tenantVersion(ctx.tenant);
    const name = migrationOf(ctx);
    if (v.migration?.migration === name && v.schema === v.migration.shadowSchema)
      return `kept ${v.schema}: ${ctx.tenant} uses it (the switch went through)`;
    const r = await target.dropShadow(ctx.tenant, name);
    return `${r.dropped ? 'dropped the shadow' : 'no shadow left'}; ${r.removedTriggers} capture triggers removed`;
  },
  undoOnFailure: true,
};

const copy: StepDef = {
  id: 'copy',
  title: 'Copy the rows while the tenant writes (changes captured, then replayed)',
  async plan(ctx) {
    const counts = await ctx.target().tableCounts(ctx.tenant);
    const rows = counts.reduce((n, t) => n + t.rows, 0);
    return `capture the tenant's changes with triggers, copy about ${rows} rows in ${counts.length} tables into the shadow, build its keys and indexes, replay the changes`;
  },
  async run(ctx) {
    const r = await ctx.target().copyToShadow(ctx.tenant, migrationOf(ctx));
    const copied = r.copied ? `${r.rowsCopied} rows copied` : 'rows already copied';
    return {
      summary: `${copied} into ${r.shadowSchema}; ${r.replayed} changed keys replayed; every write of ${ctx.tenant} is captured until the switch`,
    };
  },
};

const validate: StepDef = {
  id: 'validate',
  title: "Validate: row counts, checksums of unchanged columns, the migration's -- check: queries",
  plan: () =>
    Promise.resolve(
      'compare every kept table with the live one (rows, SHA-256 of the columns the migration did not change) and run the -- check: queries on the shadow',
    ),
  async run(ctx) {
    const r = await ctx.target().validateShadow(ctx.tenant, migrationOf(ctx));
    if (!r.ok)
      throw new DomainError(
        'validation_failed',
        `the shadow does not pass: ${r.problems.slice(0, 5).join('; ')}${r.problems.length > 5 ? ` (+${r.problems.length - 5} more)` : ''}. ${ctx.tenant} still uses its old schema, untouched`,
      );
    const rows = r.tables.reduce((n, t) => n + t.rows, 0);
    return {
      summary: `${r.tables.length} tables, ${rows} rows match; ${r.checks.length} checks pass`,
    };
  },
};

const approveSwitch = approvalStep(
  'approve-switch',
  'Approval to switch the tenant to the new version (a second person, approver)',
);

const switchStep: StepDef = {
  id: 'switch',
  title: 'Pause writes, replay the last changes, point the tenant at the new version, resume',
  async plan(ctx) {
    const v = await ctx.target().tenantVersion(ctx.tenant);
    const m = await ctx.target().readMigration(migrationOf(ctx));
    return `pause ${ctx.tenant}'s writes, replay what changed since validation, point it from ${v.schema} to the shadow with version ${m.version}, resume writes there`;
  },
  async run(ctx) {
    const r = await ctx.target().switchToShadow(ctx.tenant, migrationOf(ctx));
    return {
      summary: `${ctx.tenant} now on ${r.to} (version ${r.version}); writes paused ${seconds(r.pauseMs)}${r.changed ? ` (${r.caughtUp} changes replayed before the pause, ${r.replayedInPause} in it)` : ''}; ${r.from} kept for rollback`,
      data: { switched: true, pauseMs: Math.round(r.pauseMs) },
    };
  },
  async undo(ctx) {
    const r = await ctx.target().pointBack(ctx.tenant, migrationOf(ctx));
    if (!r.changed) return `${ctx.tenant} was not on the new schema (on ${r.to})`;
    return `${ctx.tenant} back on ${r.to} (version ${r.version}); carried back ${r.rowsCarriedBack} row(s) written since the switch; writes paused ${seconds(r.pauseMs)}`;
  },
};

const finish: StepDef = {
  id: 'finish',
  title: 'Capture off, flag off (the old schema is kept for rollback)',
  plan: () =>
    Promise.resolve(`remove the capture triggers and the pending changes, remove flags.${FLAG}`),
  async run(ctx) {
    const target = ctx.target();
    const r = await target.finishMigration(ctx.tenant, migrationOf(ctx));
    await target.setFlag(ctx.tenant, FLAG, null);
    return { summary: `${r.removedTriggers} capture triggers removed; flags.${FLAG} off` };
  },
};

/**
 * `tenant-migrate <tenant> migration=<NNNN_name>` (issue 9): flag on, shadow schema at the new
 * version, rows copied while the tenant writes (trigger capture, replay), validation, then
 * behind an approval a short write pause to replay the last changes and switch the pointer
 * with the version, and capture and flag off. A failure before the switch drops the shadow
 * and the capture (the tenant never left its schema); a rollback points back (carrying the
 * writes made since) and drops the shadow.
 */
export const migrateRunbook: RunbookDef = {
  name: 'tenant-migrate',
  summary:
    'zero-downtime migration of one tenant: shadow at the new version, copy with change capture, validate, switch (approval) in a short write pause',
  destructive: true,
  needsTarget: true,
  steps: () => [flagOn, shadow, copy, validate, approveSwitch, switchStep, finish],
  // A missing file, or one that isn't the tenant's next migration, is refused before any run.
  async precheck(ctx) {
    await ctx.target().nextMigration(ctx.tenant, ctx.params.migration ?? '');
  },
};
