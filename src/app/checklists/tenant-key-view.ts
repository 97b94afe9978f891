import { assessRotation, type RotationAssessment } from '../../domain/keys/rotation';
import type { TenantKeyStatus, TenantKeys } from '../../ports/tenant-keys';
import { TenantKeyError } from '../../ports/tenant-keys';

export type TenantKeyView =
  | { kind: 'read'; status: TenantKeyStatus; rotation: RotationAssessment; now: Date }
  | { kind: 'unavailable'; backend: TenantKeys['backend']; reason: string };

/**
 * The tenant's key for `/tenant status`: its version and rotation, or — when the store cannot
 * answer — why (Vault sealed, unreachable, denying), from the health check when it has one.
 */
export async function tenantKeyView(
  keys: TenantKeys,
  rotateEvery: string,
  now: Date,
  tenant: string,
): Promise<TenantKeyView> {
  try {
    const status = await keys.status(tenant);
    return {
      kind: 'read',
      status,
      rotation: assessRotation(status.versions, now, rotateEvery),
      now,
    };
  } catch (err) {
    if (!(err instanceof TenantKeyError)) throw err;
    const health = await keys.health();
    return {
      kind: 'unavailable',
      backend: keys.backend,
      reason: health.state === 'ok' ? err.message : health.reason,
    };
  }
}
