import { describeDelivery } from '../../domain/target/gateway';
import {
  describeSetting,
  describeValue,
  keyOf,
  type ControlSetting,
} from '../../domain/target/controls';
import type { ControlChange, ControlUndo } from '../../ports/control-plane';
import type { StepContext, StepDef } from './runbook-def';

/** The hold a run's step changes controls under: undo restores exactly what it replaced. */
export const holdOf = (ctx: StepContext, step: string): string => `RB-${ctx.run.number}-${step}`;

/** "rate limit 500 rpm (was no rate limit); …; gateway acknowledged (200)". */
export function describeChange(change: ControlChange): string {
  const parts = change.settings.map(
    (a) =>
      `${describeSetting(a.setting)} (${a.changed ? `was ${describeValue(keyOf(a.setting), a.previous)}` : 'already so'})`,
  );
  return `${parts.join('; ')}; ${describeDelivery(change.gateway)}`;
}

/** Per key: restored, kept for a later run's hold, or left as someone set it since. */
export function describeUndo(undo: ControlUndo): string {
  if (undo.keys.length === 0)
    return 'nothing held under this run (never applied, or undone already)';
  const parts = undo.keys.map((k) => {
    switch (k.outcome) {
      case 'restored':
        return `${describeValue(k.key, k.value)} again`;
      case 'kept_for_later_hold':
        return `${describeValue(k.key, k.value)} kept: ${k.laterHold ?? 'a later run'} set it since (its rollback restores ${describeValue(k.key, k.previous)})`;
      case 'changed_since':
        return `${describeValue(k.key, k.value)} left as it is: changed by hand since this run set it`;
    }
  });
  return `${parts.join('; ')}; ${describeDelivery(undo.gateway)}`;
}

/** A step that applies `settings` under its own hold and whose undo lifts exactly that. */
export function controlStep(opts: {
  id: string;
  title: string;
  settings(ctx: StepContext): ControlSetting[];
}): StepDef {
  return {
    id: opts.id,
    title: opts.title,
    async plan(ctx) {
      const now = await ctx.target().controlsOf(ctx.tenant);
      const what = opts.settings(ctx).map(describeSetting).join(', ');
      return `${what} for ${ctx.tenant} in tenantops_control.tenant_controls (now: ${now.rateLimitRpm ?? 'no'} rpm limit, pool ${now.pool ?? 'default'}, ${now.blockedEndpoints.length} blocked endpoints); rollback puts back the values it replaced`;
    },
    async run(ctx) {
      const target = ctx.target();
      await target.schemaOf(ctx.tenant);
      const change = await target.applyControls(ctx.tenant, opts.settings(ctx), {
        hold: holdOf(ctx, opts.id),
      });
      return { summary: describeChange(change) };
    },
    async undo(ctx) {
      return describeUndo(await ctx.target().undoControls(ctx.tenant, holdOf(ctx, opts.id)));
    },
  };
}
