import { DomainError } from '../errors';
import { isTenantId, TENANT_ID_RULE } from '../tenants/tenant-id';

// Vault's name pattern for transit keys (framework.GenericNameRegex).
const VAULT_KEY_NAME = /^\w(?:[\w.@-]*\w)?$/;

/**
 * The tenant's key name from the `vault.keyName` template: `tenant-{id}` → `tenant-acme`.
 *
 * @throws DomainError `invalid_tenant` for a malformed tenant id, `invalid_key_name` when the
 *   template makes a name Vault would refuse.
 */
export function tenantKeyName(template: string, tenantId: string): string {
  requireTenantId(tenantId);
  const name = template.split('{id}').join(tenantId);
  if (!VAULT_KEY_NAME.test(name)) {
    throw new DomainError(
      'invalid_key_name',
      `vault.keyName "${template}" makes "${name}", which Vault refuses as a key name ` +
        '(letters, digits, _ . - @, starting and ending with a letter, digit or _).',
    );
  }
  return name;
}

/** @throws DomainError `invalid_tenant` unless `tenantId` is a well-formed tenant id. */
export function requireTenantId(tenantId: string): void {
  if (!isTenantId(tenantId)) {
    throw new DomainError('invalid_tenant', `Invalid tenant id "${tenantId}": ${TENANT_ID_RULE}.`);
  }
}
