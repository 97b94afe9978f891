import { DomainError } from '../../domain/errors';
import { isTenantId, TENANT_ID_RULE } from '../../domain/tenants/tenant-id';

export function assertTenantId(tenant: string): void {
  if (!isTenantId(tenant))
    throw new DomainError('invalid_tenant', `"${tenant}" is not a tenant id (${TENANT_ID_RULE})`);
}
