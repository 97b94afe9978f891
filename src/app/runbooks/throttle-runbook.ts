import { DomainError } from '../../domain/errors';
import { assertRpm, ISOLATED_POOL, type ControlSetting } from '../../domain/target/controls';
import { summarizeLoad } from '../../domain/target/tenant-load';
import { controlStep } from './control-steps';
import type { RunbookDef, StepDef } from './runbook-def';

function settingsOf(params: Record<string, string>): ControlSetting[] {
  const settings: ControlSetting[] = [{ kind: 'rate_limit', rpm: Number(params.rpm) }];
  if (params.pool) settings.push({ kind: 'pool', pool: params.pool });
  return settings;
}

const load: StepDef = {
  id: 'recent-load',
  title: "Show the tenant's recent load (alerts, request rate)",
  plan: () => Promise.resolve("read the tenant's alerts of the last hour and its request rate"),
  async run(ctx) {
    const source = ctx.ops().load;
    if (!source) return { summary: 'load unknown: no alert history or metrics configured' };
    return { summary: summarizeLoad(await source.recentLoad(ctx.tenant), Number(ctx.params.rpm)) };
  },
};

const draft: StepDef = {
  id: 'upgrade-draft',
  title: 'Post a plan-upgrade suggestion draft to the comms role (never sent to the customer)',
  plan: (ctx) =>
    Promise.resolve(
      `post a plan-upgrade suggestion draft for ${ctx.tenant} to its comms role in the run's thread`,
    ),
  async run(ctx) {
    const ops = ctx.ops();
    const comms = await ops.comms(ctx.tenant);
    const pool = ctx.params.pool ? ` and moved your workload to a dedicated pool` : '';
    await ops.notices.commsDraft(ctx.run, {
      comms,
      title: 'Plan upgrade suggestion',
      text: [
        `Hello, your usage has grown beyond what your current plan is sized for, and it began to affect response times.`,
        `To keep the service fast for you, we have set a temporary limit of ${Number(ctx.params.rpm).toLocaleString('en')} requests per minute${pool}.`,
        `A plan with higher limits would lift this for good: we would be glad to walk you through the options.`,
      ].join('\n'),
    });
    return {
      summary: `draft posted for ${comms.length ? comms.map((u) => `@${u}`).join(', ') : 'the comms role (no holder on this tenant)'}; nothing was sent to the customer`,
    };
  },
};

/**
 * `tenant-throttle <tenant> rpm=<n> [pool=isolated]` (seed §4, heavy tenant): the tenant's load,
 * a rate limit (and an isolated pool) in tenant_controls under the run's hold, a plan-upgrade
 * draft for comms. Rollback puts back exactly the values the run replaced.
 */
export const throttleRunbook: RunbookDef = {
  name: 'tenant-throttle',
  summary:
    'heavy tenant: rate limit (and an isolated pool) via tenant_controls, its load shown, a plan-upgrade draft for comms',
  destructive: true,
  needsTarget: true,
  async precheck(ctx) {
    assertRpm(Number(ctx.params.rpm));
    const target = ctx.target();
    await target.schemaOf(ctx.tenant);
    if (ctx.params.pool !== ISOLATED_POOL) return;
    const controls = await target.controlsOf(ctx.tenant);
    if (controls.pool === ISOLATED_POOL) {
      const hold = controls.holds.find((h) => h.key === 'pool')?.hold;
      throw new DomainError(
        'already_isolated',
        `${ctx.tenant} is already in the ${ISOLATED_POOL} pool${hold ? ` (set by ${hold})` : ''}. To change only its rate limit: \`/runbook run tenant-throttle ${ctx.tenant} rpm=${ctx.params.rpm}\`.`,
      );
    }
  },
  steps: (params) => [
    load,
    controlStep({
      id: 'throttle',
      title: params.pool
        ? `Rate limit ${params.rpm} rpm and move the tenant to the ${params.pool} pool`
        : `Rate limit ${params.rpm} rpm`,
      settings: (ctx) => settingsOf(ctx.params),
    }),
    draft,
  ],
};
