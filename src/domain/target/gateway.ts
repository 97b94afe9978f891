import type { ControlKey, ControlSetting, ControlValue, TenantControls } from './controls';

/**
 * What happened to the POST of a control change to `target.gatewayUrl`. The database change
 * stands whatever this says: a failure is reported, never hidden, and never undoes the change.
 */
export type GatewayDelivery =
  | { status: 'not_configured' }
  | { status: 'delivered'; httpStatus: number }
  | {
      status: 'failed';
      /** timeout: no answer in time; server_error: 5xx; refused: other non-2xx; unreachable: no connection. */
      reason: 'timeout' | 'server_error' | 'refused' | 'unreachable';
      httpStatus?: number;
      message: string;
    };

/** One control change as the gateway receives it: the change and the tenant's whole controls after it. */
export interface ControlEvent {
  /** Unique per POST; a receiver may drop repeats of an id it has seen. */
  id: string;
  tenant: string;
  /** apply / undo: control holds; read_only / writable: the write pause of restores and leak response. */
  action: 'apply' | 'undo' | 'read_only' | 'writable';
  /** The caller's id for the change (a run's step), when there is one. */
  hold?: string;
  settings?: ControlSetting[];
  /** Undo: each key and the value it has now. */
  restored?: { key: ControlKey; value: ControlValue }[];
  /** The tenant's controls after the change: receiving the same state twice is harmless. */
  controls: TenantControls;
  at: Date;
}

/** The JSON body POSTed to the gateway (field names are the receiver's contract, see the README). */
export function gatewayBody(e: ControlEvent): string {
  return JSON.stringify({
    type: 'tenantops.tenant_controls',
    id: e.id,
    tenant_id: e.tenant,
    action: e.action,
    hold: e.hold ?? null,
    settings: e.settings ?? [],
    restored: e.restored ?? [],
    controls: {
      read_only: e.controls.readOnly,
      rate_limit_rpm: e.controls.rateLimitRpm,
      pool: e.controls.pool,
      blocked_endpoints: e.controls.blockedEndpoints,
      flags: e.controls.flags,
      updated_at: e.controls.updatedAt?.toISOString() ?? null,
    },
    at: e.at.toISOString(),
  });
}

export function describeDelivery(d: GatewayDelivery): string {
  switch (d.status) {
    case 'not_configured':
      return 'no gateway configured';
    case 'delivered':
      return `gateway acknowledged (${d.httpStatus})`;
    case 'failed':
      return `gateway NOT notified (${d.reason}${d.httpStatus ? ` ${d.httpStatus}` : ''}): ${d.message}; the database change stands`;
  }
}
