import {
  assertSchemaName,
  defaultSchemaName,
  isolatedSchemaName,
} from '../../src/domain/backups/tenant-schema';

describe('tenant schema names', () => {
  it('fills target.schemaPattern with the tenant id, - written _', () => {
    expect(defaultSchemaName('tenant_{id}', 'acme')).toBe('tenant_acme');
    expect(defaultSchemaName('t_{id}_data', 'big-co')).toBe('t_big_co_data');
  });

  it('names isolated schemas next to the live one within 63 bytes', () => {
    expect(isolatedSchemaName('tenant_acme', 'RB-12')).toBe('tenant_acme__rb_12');
    const long = isolatedSchemaName(`tenant_${'x'.repeat(56)}`, 'sandbox_rb_7');
    expect(long).toHaveLength(63);
    expect(long.endsWith('__sandbox_rb_7')).toBe(true);
  });

  it('refuses system schemas, the control schema and odd names', () => {
    for (const bad of [
      'public',
      'pg_catalog',
      'information_schema',
      'tenantops_control',
      'A"b',
      '1abc',
      'x'.repeat(64),
    ])
      expect(() => assertSchemaName(bad)).toThrow(/schema/);
    expect(() => assertSchemaName('tenant_acme__r1')).not.toThrow();
  });
});
