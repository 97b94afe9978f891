import type { PoolClient } from 'pg';
import { CONTROL_SCHEMA } from '../../domain/backups/tenant-schema';
import type { ControlHold } from '../../domain/target/control-holds';
import {
  defaultControls,
  type ControlKey,
  type ControlValue,
  type TenantControls,
} from '../../domain/target/controls';

/** The SaaS may LISTEN on this channel: each control change NOTIFYs it with the tenant id. */
export const CONTROLS_CHANNEL = 'tenantops_controls';

interface ControlsRow {
  read_only: boolean;
  rate_limit_rpm: number | null;
  pool: string | null;
  blocked_endpoints: string[];
  flags: Record<string, unknown>;
  updated_at: Date;
}

/** The tenant's controls row (defaults when there is none); `lock` creates it and locks it. */
export async function readControls(
  c: PoolClient,
  tenant: string,
  lock = false,
): Promise<TenantControls> {
  if (lock)
    await c.query(
      `INSERT INTO ${CONTROL_SCHEMA}.tenant_controls (tenant_id) VALUES ($1) ON CONFLICT DO NOTHING`,
      [tenant],
    );
  const { rows } = await c.query<ControlsRow>(
    `SELECT read_only, rate_limit_rpm, pool, blocked_endpoints, flags, updated_at
     FROM ${CONTROL_SCHEMA}.tenant_controls WHERE tenant_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [tenant],
  );
  const r = rows[0];
  if (!r) return defaultControls(tenant);
  return {
    tenant,
    readOnly: r.read_only,
    rateLimitRpm: r.rate_limit_rpm,
    pool: r.pool,
    blockedEndpoints: r.blocked_endpoints,
    flags: r.flags,
    updatedAt: r.updated_at,
  };
}

/** Writes the switches tenantops sets (not read_only: the write pause owns it) and tells listeners. */
export async function writeControls(c: PoolClient, ctl: TenantControls): Promise<TenantControls> {
  const { rows } = await c.query<{ updated_at: Date }>(
    `UPDATE ${CONTROL_SCHEMA}.tenant_controls
     SET rate_limit_rpm = $2, pool = $3, blocked_endpoints = $4, updated_at = now()
     WHERE tenant_id = $1 RETURNING updated_at`,
    [ctl.tenant, ctl.rateLimitRpm, ctl.pool, ctl.blockedEndpoints],
  );
  await notifyControls(c, ctl.tenant);
  return { ...ctl, updatedAt: rows[0]?.updated_at ?? ctl.updatedAt };
}

/** Delivered when the transaction commits, so a listener never sees an uncommitted change. */
export async function notifyControls(c: PoolClient, tenant: string): Promise<void> {
  await c.query('SELECT pg_notify($1, $2)', [CONTROLS_CHANNEL, tenant]);
}

interface HoldRow {
  hold_id: string;
  key: string;
  previous: ControlValue;
  applied: ControlValue;
  seq: string;
  created_at: Date;
}

function toHold(r: HoldRow): ControlHold & { since: Date } {
  return {
    hold: r.hold_id,
    key: r.key as ControlKey,
    previous: r.previous,
    applied: r.applied,
    seq: Number(r.seq),
    since: r.created_at,
  };
}

/** The tenant's holds, on one key or all, oldest first. */
export async function holdsOf(
  c: PoolClient,
  tenant: string,
  key?: ControlKey,
): Promise<(ControlHold & { since: Date })[]> {
  const { rows } = await c.query<HoldRow>(
    `SELECT hold_id, key, previous, applied, seq, created_at FROM ${CONTROL_SCHEMA}.control_holds
     WHERE tenant_id = $1 AND ($2::text IS NULL OR key = $2) ORDER BY seq`,
    [tenant, key ?? null],
  );
  return rows.map(toHold);
}

export async function recordHold(
  c: PoolClient,
  tenant: string,
  hold: string,
  key: ControlKey,
  previous: ControlValue,
  applied: ControlValue,
): Promise<void> {
  await c.query(
    `INSERT INTO ${CONTROL_SCHEMA}.control_holds (hold_id, tenant_id, key, previous, applied)
     VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)`,
    [hold, tenant, key, JSON.stringify(previous), JSON.stringify(applied)],
  );
}

export async function setHoldPrevious(
  c: PoolClient,
  hold: string,
  key: ControlKey,
  previous: ControlValue,
): Promise<void> {
  await c.query(
    `UPDATE ${CONTROL_SCHEMA}.control_holds SET previous = $3::jsonb WHERE hold_id = $1 AND key = $2`,
    [hold, key, JSON.stringify(previous)],
  );
}

export async function dropHold(c: PoolClient, hold: string, key: ControlKey): Promise<void> {
  await c.query(`DELETE FROM ${CONTROL_SCHEMA}.control_holds WHERE hold_id = $1 AND key = $2`, [
    hold,
    key,
  ]);
}

/** The tenant a hold id was first used for, if another one. */
export async function holdOwner(
  c: PoolClient,
  hold: string,
  tenant: string,
): Promise<string | undefined> {
  const { rows } = await c.query<{ tenant_id: string }>(
    `SELECT tenant_id FROM ${CONTROL_SCHEMA}.control_holds WHERE hold_id = $1 AND tenant_id <> $2 LIMIT 1`,
    [hold, tenant],
  );
  return rows[0]?.tenant_id;
}
