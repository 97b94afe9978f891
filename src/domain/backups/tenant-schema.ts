import { DomainError } from '../errors';

/** Postgres truncates identifiers past 63 bytes, so longer names would silently collide. */
const MAX_IDENT = 63;
const SCHEMA_RE = /^[a-z_][a-z0-9_]*$/;

/** `target.schemaPattern` with `{id}` replaced and `-` written `_` (PRODUCT §8). */
export function defaultSchemaName(pattern: string, tenant: string): string {
  return pattern.replace(/\{id\}/g, tenant.replace(/-/g, '_'));
}

/** Schema names tenantops creates or drops: plain lowercase identifiers, never a system schema. */
export function assertSchemaName(name: string): void {
  if (!SCHEMA_RE.test(name) || Buffer.byteLength(name) > MAX_IDENT)
    throw new DomainError(
      'invalid_schema_name',
      `"${name}" is not a usable schema name (a-z, 0-9 and _, starting with a letter or _, at most ${MAX_IDENT} characters)`,
    );
  if (name === 'public' || name === 'information_schema' || name.startsWith('pg_'))
    throw new DomainError('invalid_schema_name', `"${name}" is a system schema`);
  if (name === CONTROL_SCHEMA)
    throw new DomainError('invalid_schema_name', `"${name}" is tenantops' control schema`);
}

/** tenantops' control schema on the target (PRODUCT §8). */
export const CONTROL_SCHEMA = 'tenantops_control';

/**
 * A name for an isolated schema next to a tenant's live one: `<live>__<tag>`, shortened so it
 * stays within Postgres' 63 bytes (`tenant_acme__r12`, `tenant_acme__sandbox_r13`).
 */
export function isolatedSchemaName(liveSchema: string, tag: string): string {
  const cleanTag = tag.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const suffix = `__${cleanTag}`;
  const name = liveSchema.slice(0, MAX_IDENT - suffix.length) + suffix;
  assertSchemaName(name);
  return name;
}
