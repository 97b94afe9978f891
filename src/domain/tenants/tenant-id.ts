/** The one definition of a tenant id (PRODUCT.md §4): lowercase letters, digits and `-`, 2-40 long. */
export const TENANT_ID_PATTERN = /^[a-z0-9-]{2,40}$/;

/** Human text for the pattern, for error messages. */
export const TENANT_ID_RULE = 'a-z, 0-9 and -, 2-40 characters';

export function isTenantId(value: string): boolean {
  return TENANT_ID_PATTERN.test(value);
}
