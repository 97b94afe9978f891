import type { ControlHold } from '../domain/target/control-holds';
import type {
  ControlKey,
  ControlSetting,
  ControlValue,
  TenantControls,
} from '../domain/target/controls';
import type { GatewayDelivery } from '../domain/target/gateway';

/** The controls, plus the changes tenantops holds on them (who set what, and what it replaced). */
export interface ControlsView extends TenantControls {
  holds: (ControlHold & { since: Date })[];
}

export interface AppliedSetting {
  setting: ControlSetting;
  /** The value before this hold first applied it (what undo restores). */
  previous: ControlValue;
  /** False when the value was already in place (a retried step, or nothing to change). */
  changed: boolean;
}

export interface ControlChange {
  tenant: string;
  hold: string;
  settings: AppliedSetting[];
  /** The controls as the SaaS reads them after the change. */
  controls: TenantControls;
  gateway: GatewayDelivery;
}

export type UndoOutcome =
  /** Put back the value from before the hold (or it was already back). */
  | 'restored'
  /** A later hold changed the key since; it stays, and undoing that hold restores the original. */
  | 'kept_for_later_hold'
  /** Changed outside tenantops since the hold: left as it is, not overwritten. */
  | 'changed_since';

export interface UndoneKey {
  key: ControlKey;
  outcome: UndoOutcome;
  /** The value the key has after the undo. */
  value: ControlValue;
  /** The value from before the hold. */
  previous: ControlValue;
  /** kept_for_later_hold: the hold now in force. */
  laterHold?: string;
}

export interface ControlUndo {
  tenant: string;
  hold: string;
  /** Empty when nothing was held under this id (never applied, or undone already). */
  keys: UndoneKey[];
  controls: TenantControls;
  gateway: GatewayDelivery;
}

/**
 * The switches of `tenantops_control.tenant_controls` (PRODUCT §8) that containment steps set:
 * blocked endpoints, rate limit, pool. Each change commits in one transaction, so the SaaS sees
 * it on its next read (and a `NOTIFY tenantops_controls, '<tenant>'` lets it listen instead of
 * poll), then is POSTed to the gateway when one is configured.
 *
 * Every change is made under a caller-chosen `hold` id (e.g. `RB-12-block-endpoint`) and the
 * value it replaced is recorded with it in the same transaction: applying the same hold twice is
 * harmless, and `undoControls(hold)` restores exactly what was there before, not a default.
 * Read-only mode is the write pause of `TargetSystem.pauseWrites` / `resumeWrites`.
 */
export interface TenantControlPlane {
  /** The tenant's controls (defaults when it has no row) and the holds on them. */
  controlsOf(tenant: string): Promise<ControlsView>;
  /**
   * Applies the settings in order under `hold`. Bad input (endpoint path, rpm, pool name, hold
   * id) is refused before anything is written.
   */
  applyControls(
    tenant: string,
    settings: ControlSetting[],
    opts: { hold: string },
  ): Promise<ControlChange>;
  /** Undoes every key changed under `hold`, newest first; a second undo finds nothing to do. */
  undoControls(tenant: string, hold: string): Promise<ControlUndo>;
}
