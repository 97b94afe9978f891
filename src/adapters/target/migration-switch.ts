import type { PoolClient } from 'pg';
import { CONTROL_SCHEMA } from '../../domain/backups/tenant-schema';
import { DomainError } from '../../domain/errors';
import type { SwitchResult, TenantMigration } from '../../ports/target-migrations';
import { captureComplete, captureTriggers, stopCapture } from './change-capture';
import { catchUp } from './migration-copy';
import { commonWrites } from './migration-grants';
import { forward, loadMigration } from './migration-load';
import type { MigrationPlan } from './migration-plan';
import { lockMigration, migrationRow, setPhase, type MigrateContext } from './migration-state';
import { replayRound } from './replay';
import { swapIn } from './routing';
import { quoteIdent } from './target-db';
import { pauseWrites, resumeWrites, writesPaused, type PauseContext } from './write-pause';

export type SwitchContext = MigrateContext & { pause: PauseContext };

/**
 * Replays online until little is left, then pauses the tenant's writes (revoked on the old
 * schema, drained, proven), replays the rest, sets the shadow's sequences, points the tenant
 * at the shadow with the new version (one transaction), and gives the writes back there. A
 * failure before the pointer moved gives them back on the old schema.
 */
export async function switchToShadow(
  ctx: SwitchContext,
  tenant: string,
  m: TenantMigration,
): Promise<SwitchResult> {
  const { row, routing, plan } = await ctx.db.tx((c) =>
    loadMigration(c, ctx.schemaPattern, tenant, m),
  );
  const base = { tenant, from: row.fromSchema, to: row.shadowSchema, version: row.toVersion };
  if (routing.schema === row.shadowSchema) {
    // Switched before: a worker that died mid-way may have left the writes paused.
    const state = await writesPaused(ctx.pause, tenant);
    if (state.readOnly || state.heldGrants) await resumeWrites(ctx.pause, tenant);
    return {
      ...base,
      changed: false,
      pauseMs: row.pauseMs ?? 0,
      pausedAt: null,
      resumedAt: null,
      caughtUp: 0,
      replayedInPause: 0,
    };
  }
  if (row.phase !== 'validated')
    throw new DomainError(
      'migration_not_validated',
      `the shadow ${row.shadowSchema} of ${m.name} has not passed validation (${row.phase}): the pointer is not moved`,
    );
  const present = await ctx.db.tx((c) => captureTriggers(c, row.fromSchema));
  if (!captureComplete(present, plan.tables))
    throw new DomainError(
      'capture_missing',
      `the capture triggers on ${row.fromSchema} are not all there, so changes may be missing from the shadow: copy again`,
    );
  const caughtUp = await catchUp(ctx, tenant, row, plan);
  let t0 = performance.now();
  let pausedAt = new Date();
  let replayedInPause: number;
  try {
    await pauseWrites(ctx.pause, tenant);
    // A pause an earlier attempt left (its worker died) counts from when it began.
    const heldMs = await ctx.db.tx((c) => pausedFor(c, tenant));
    if (performance.now() - heldMs < t0) {
      t0 = performance.now() - heldMs;
      pausedAt = new Date(Date.now() - heldMs);
    }
    replayedInPause = await ctx.db.tx(
      async (c) => {
        await lockMigration(c, tenant);
        const n = await replayRound(c, tenant, plan, forward(row));
        await syncSequences(c, row.fromSchema, row.shadowSchema);
        await heldWritesForNewTables(c, tenant, plan);
        await swapIn(c, ctx.schemaPattern, tenant, row.shadowSchema, row.toVersion);
        await setPhase(c, tenant, 'switched');
        return n;
      },
      { isolation: 'repeatable read', searchPath: row.shadowSchema },
    );
  } catch (err) {
    await resumeOrSay(ctx, tenant, err);
    throw err;
  }
  await resumeWrites(ctx.pause, tenant);
  const pauseMs = performance.now() - t0;
  await ctx.db.tx((c) => setPhase(c, tenant, 'switched', pauseMs));
  return {
    ...base,
    changed: true,
    pauseMs,
    pausedAt,
    resumedAt: new Date(),
    caughtUp,
    replayedInPause,
  };
}

/** After the switch: capture off (the tenant's writes cost what they did), recorded as done. */
export async function finishMigration(
  ctx: MigrateContext,
  tenant: string,
  name: string,
): Promise<{ removedTriggers: number }> {
  const row = await ctx.db.tx((c) => migrationRow(c, tenant));
  if (!row || row.migration !== name || (row.phase !== 'switched' && row.phase !== 'done'))
    throw new DomainError(
      'migration_not_switched',
      `tenant ${tenant} has not been switched to the shadow of ${name}: nothing to finish`,
    );
  const removedTriggers = await stopCapture(ctx.db, tenant, [row.fromSchema, row.shadowSchema]);
  await ctx.db.tx((c) => setPhase(c, tenant, 'done'));
  return { removedTriggers };
}

/** How long the tenant's writes have been paused, by the target's clock. */
async function pausedFor(c: PoolClient, tenant: string): Promise<number> {
  const { rows } = await c.query<{ ms: number }>(
    `SELECT extract(epoch FROM clock_timestamp() - paused_at)::float8 * 1000 AS ms
     FROM ${CONTROL_SCHEMA}.write_pauses WHERE tenant_id = $1`,
    [tenant],
  );
  return Math.max(0, rows[0]?.ms ?? 0);
}

/** Each sequence both schemas have, set in `into` where it stands in `from`. */
export async function syncSequences(c: PoolClient, from: string, into: string): Promise<void> {
  const { rows } = await c.query<{ name: string }>(
    `SELECT a.relname AS name FROM pg_class a JOIN pg_class b ON b.relname = a.relname AND b.relkind = 'S'
     WHERE a.relkind = 'S' AND a.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
       AND b.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $2)`,
    [from, into],
  );
  for (const { name } of rows)
    await c.query(
      `SELECT setval($1::regclass, s.last_value, s.is_called) FROM ${quoteIdent(from)}.${quoteIdent(name)} s`,
      [`${quoteIdent(into)}.${quoteIdent(name)}`],
    );
}

/** Tables the migration added get, with the resume, the writes the app role had on every table. */
async function heldWritesForNewTables(
  c: PoolClient,
  tenant: string,
  plan: MigrationPlan,
): Promise<void> {
  const added = plan.changes.filter((t) => t.change === 'added').map((t) => t.name);
  if (!added.length) return;
  const { rows } = await c.query<{ grants: Record<string, string[]> }>(
    `SELECT grants FROM ${CONTROL_SCHEMA}.write_pauses WHERE tenant_id = $1`,
    [tenant],
  );
  const held = rows[0]?.grants ?? {};
  const writes = commonWrites(held);
  const extra = Object.fromEntries(added.filter((t) => !held[t]).map((t) => [t, writes]));
  if (writes.length && Object.keys(extra).length)
    await c.query(
      `UPDATE ${CONTROL_SCHEMA}.write_pauses SET grants = grants || $2::jsonb WHERE tenant_id = $1`,
      [tenant, JSON.stringify(extra)],
    );
}

/** Gives the writes back on whatever schema the tenant uses; says so if even that fails. */
export async function resumeOrSay(
  ctx: SwitchContext,
  tenant: string,
  cause: unknown,
): Promise<void> {
  try {
    await resumeWrites(ctx.pause, tenant);
  } catch (err) {
    throw new DomainError(
      'resume_failed',
      `${(cause as Error).message}; and giving ${tenant}'s writes back failed too: ${(err as Error).message}. The tenant's writes are still paused`,
    );
  }
}
