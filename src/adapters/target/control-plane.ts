import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { DomainError } from '../../domain/errors';
import { planApply, planUndo } from '../../domain/target/control-holds';
import {
  assertHoldId,
  currentValue,
  keyOf,
  normalizeSetting,
  valueOf,
  withValue,
  type ControlSetting,
  type TenantControls,
} from '../../domain/target/controls';
import type { ControlEvent, GatewayDelivery } from '../../domain/target/gateway';
import type { ControlGateway } from '../../ports/control-gateway';
import type {
  AppliedSetting,
  ControlChange,
  ControlsView,
  ControlUndo,
  UndoneKey,
} from '../../ports/control-plane';
import { liveSchemaOf } from './control-schema';
import {
  dropHold,
  holdOwner,
  holdsOf,
  readControls,
  recordHold,
  setHoldPrevious,
  writeControls,
} from './control-rows';
import type { TargetDb } from './target-db';
import { assertTenantId } from './tenant-input';

export interface ControlContext {
  db: TargetDb;
  schemaPattern: string;
  gateway?: ControlGateway;
}

/** One control change per tenant at a time, across workers (the write pause takes its own lock). */
async function lockControls(c: PoolClient, tenant: string): Promise<void> {
  await c.query(`SELECT pg_advisory_xact_lock(hashtext('tenantops:controls:' || $1))`, [tenant]);
}

export async function controlsOf(ctx: ControlContext, tenant: string): Promise<ControlsView> {
  assertTenantId(tenant);
  return ctx.db.tx(async (c) => {
    await liveSchemaOf(c, ctx.schemaPattern, tenant);
    return { ...(await readControls(c, tenant)), holds: await holdsOf(c, tenant) };
  });
}

export async function applyControls(
  ctx: ControlContext,
  tenant: string,
  settings: ControlSetting[],
  hold: string,
): Promise<ControlChange> {
  assertTenantId(tenant);
  assertHoldId(hold);
  if (settings.length === 0)
    throw new DomainError('no_control_settings', 'no control change was asked for');
  const wanted = settings.map(normalizeSetting);
  const { controls, applied } = await ctx.db.tx(async (c) => {
    await lockControls(c, tenant);
    await liveSchemaOf(c, ctx.schemaPattern, tenant);
    await assertHoldFree(c, hold, tenant);
    let ctl = await readControls(c, tenant, true);
    const applied: AppliedSetting[] = [];
    for (const setting of wanted) {
      const key = keyOf(setting);
      const value = valueOf(setting);
      const plan = planApply(await holdsOf(c, tenant, key), hold, currentValue(ctl, key), value);
      if (plan.record) await recordHold(c, tenant, hold, key, plan.previous, value);
      if (plan.write) ctl = withValue(ctl, key, value);
      applied.push({ setting, previous: plan.previous, changed: plan.write });
    }
    if (applied.some((a) => a.changed)) ctl = await writeControls(c, ctl);
    return { controls: ctl, applied };
  });
  const gateway = await publish(ctx, { tenant, action: 'apply', hold, settings: wanted, controls });
  return { tenant, hold, settings: applied, controls, gateway };
}

export async function undoControls(
  ctx: ControlContext,
  tenant: string,
  hold: string,
): Promise<ControlUndo> {
  assertTenantId(tenant);
  assertHoldId(hold);
  const { controls, keys } = await ctx.db.tx(async (c) => {
    await lockControls(c, tenant);
    let ctl = await readControls(c, tenant, true);
    const own = (await holdsOf(c, tenant)).filter((h) => h.hold === hold).reverse();
    const keys: UndoneKey[] = [];
    let changed = false;
    for (const h of own) {
      const current = currentValue(ctl, h.key);
      const plan = planUndo(await holdsOf(c, tenant, h.key), hold, current);
      const done = { key: h.key, previous: h.previous };
      switch (plan.action) {
        case 'none':
          continue;
        case 'restore':
          if (plan.write) ctl = withValue(ctl, h.key, plan.value);
          changed ||= plan.write;
          keys.push({ ...done, outcome: 'restored', value: plan.value });
          break;
        case 'pass_down':
          await setHoldPrevious(c, plan.to.hold, h.key, plan.previous);
          keys.push({
            ...done,
            outcome: 'kept_for_later_hold',
            value: current,
            laterHold: plan.to.hold,
          });
          break;
        case 'changed_since':
          keys.push({ ...done, outcome: 'changed_since', value: current });
          break;
      }
      await dropHold(c, hold, h.key);
    }
    if (changed) ctl = await writeControls(c, ctl);
    return { controls: ctl, keys };
  });
  // Sent even when nothing was left to undo: a retry after a crash between commit and POST.
  const gateway = await publish(ctx, {
    tenant,
    action: 'undo',
    hold,
    restored: keys.map((k) => ({ key: k.key, value: k.value })),
    controls,
  });
  return { tenant, hold, keys, controls, gateway };
}

async function assertHoldFree(c: PoolClient, hold: string, tenant: string): Promise<void> {
  const other = await holdOwner(c, hold, tenant);
  if (other)
    throw new DomainError(
      'hold_of_another_tenant',
      `hold id ${hold} already holds controls of tenant ${other}: use one hold id per tenant`,
    );
}

/** POSTs the change to the gateway, when there is one (after the commit: the change stands). */
export async function publish(
  ctx: ControlContext,
  e: Omit<ControlEvent, 'id' | 'at'> & { controls: TenantControls },
): Promise<GatewayDelivery> {
  if (!ctx.gateway) return { status: 'not_configured' };
  return ctx.gateway.publish({ ...e, id: randomUUID(), at: new Date() });
}
