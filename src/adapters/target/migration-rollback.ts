import type { PointBackResult } from '../../ports/target-migrations';
import { DomainError } from '../../domain/errors';
import { stopCapture } from './change-capture';
import { routingOf } from './control-schema';
import { backward, loadMigration } from './migration-load';
import {
  deleteRow,
  lockMigration,
  migrationRow,
  setPhase,
  type MigrateContext,
} from './migration-state';
import { resumeOrSay, syncSequences, type SwitchContext } from './migration-switch';
import { syncAll } from './replay';
import { dropSchema, swapIn } from './routing';
import { quoteIdent } from './target-db';
import { pauseWrites, resumeWrites } from './write-pause';

/**
 * Back to the old schema after a switch: writes paused (on the new one), the rows that differ
 * carried back (the columns both schemas have), sequences set, the pointer and version moved
 * back, writes given back on the old schema. Not switched: nothing to do.
 */
export async function pointBack(
  ctx: SwitchContext,
  tenant: string,
  name: string,
): Promise<PointBackResult> {
  const current = await ctx.db.tx(async (c) => {
    const row = await migrationRow(c, tenant);
    return { row, routing: await routingOf(c, ctx.schemaPattern, tenant) };
  });
  const { row } = current;
  if (!row || row.migration !== name || current.routing.schema !== row.shadowSchema)
    return {
      tenant,
      to: current.routing.schema,
      version: current.routing.version,
      changed: false,
      pauseMs: 0,
      rowsCarriedBack: 0,
    };
  const t0 = performance.now();
  let rowsCarriedBack: number;
  try {
    await pauseWrites(ctx.pause, tenant);
    rowsCarriedBack = await ctx.db.tx(
      async (c) => {
        const { plan } = await loadMigration(c, ctx.schemaPattern, tenant, { name });
        await c.query(`SELECT set_config('search_path', $1, true)`, [
          `${quoteIdent(row.fromSchema)}, pg_catalog`,
        ]);
        const n = await syncAll(c, plan, backward(row));
        await syncSequences(c, row.shadowSchema, row.fromSchema);
        await swapIn(c, ctx.schemaPattern, tenant, row.fromSchema, row.fromVersion);
        // The shadow is the old schema's equal now; it is validated again before any switch.
        await setPhase(c, tenant, 'ready');
        return n;
      },
      { isolation: 'repeatable read' },
    );
  } catch (err) {
    await resumeOrSay(ctx, tenant, err);
    throw err;
  }
  await resumeWrites(ctx.pause, tenant);
  return {
    tenant,
    to: row.fromSchema,
    version: row.fromVersion,
    changed: true,
    pauseMs: performance.now() - t0,
    rowsCarriedBack,
  };
}

/** Capture off, the shadow dropped and the migration forgotten; refused while the tenant uses it. */
export async function dropShadow(
  ctx: MigrateContext,
  tenant: string,
  name: string,
): Promise<{ dropped: boolean; removedTriggers: number }> {
  const { row, routing } = await ctx.db.tx(async (c) => ({
    row: await migrationRow(c, tenant),
    routing: await routingOf(c, ctx.schemaPattern, tenant),
  }));
  if (!row || row.migration !== name) return { dropped: false, removedTriggers: 0 };
  if (routing.schema === row.shadowSchema)
    throw new DomainError(
      'shadow_is_live',
      `tenant ${tenant} uses ${row.shadowSchema}: point it back to ${row.fromSchema} before dropping the shadow`,
    );
  const removedTriggers = await stopCapture(ctx.db, tenant, [row.fromSchema, row.shadowSchema]);
  const { dropped } = await dropSchema(ctx.db, row.shadowSchema);
  await ctx.db.tx(async (c) => {
    await lockMigration(c, tenant);
    const again = await migrationRow(c, tenant);
    if (again?.migration === name) await deleteRow(c, tenant);
  });
  return { dropped, removedTriggers };
}
