import { parseForeignKeyDef } from '../../src/domain/target/foreign-key-def';
import {
  describeAmcheck,
  integrityProblems,
  summarizeIntegrity,
  type IntegrityReport,
} from '../../src/domain/target/integrity';

describe('foreign keys as pg_get_constraintdef prints them', () => {
  it('takes apart simple, composite, qualified and quoted keys', () => {
    expect(parseForeignKeyDef('FOREIGN KEY (customer_id) REFERENCES customers(id)')).toEqual({
      columns: ['customer_id'],
      refSchema: null,
      refTable: 'customers',
      refColumns: ['id'],
      matchFull: false,
    });
    expect(
      parseForeignKeyDef(
        'FOREIGN KEY (order_id, "Line No") REFERENCES billing."Order Lines"(id, "line""no") MATCH FULL ON DELETE CASCADE NOT VALID',
      ),
    ).toEqual({
      columns: ['order_id', 'Line No'],
      refSchema: 'billing',
      refTable: 'Order Lines',
      refColumns: ['id', 'line"no'],
      matchFull: true,
    });
  });

  it('gives null for anything that is not a foreign key it can read', () => {
    expect(parseForeignKeyDef('CHECK ((quantity > 0))')).toBeNull();
    expect(parseForeignKeyDef('FOREIGN KEY (a, b) REFERENCES t(x)')).toBeNull();
  });
});

describe('the integrity report', () => {
  const base: IntegrityReport = {
    tenant: 'acme',
    schema: 'tenant_acme',
    backupId: 'acme-1',
    backupAt: new Date('2026-03-01T03:00:00Z'),
    tables: [
      {
        table: 'orders',
        status: 'changed',
        backupRows: 10,
        rows: 12,
        expectedUnchanged: false,
        problems: [],
      },
      {
        table: 'items',
        status: 'matches_backup',
        backupRows: 4,
        rows: 4,
        expectedUnchanged: false,
        problems: [
          '2 rows whose order_id names no row of tenant_acme.orders(id) (items_fk, not valid)',
        ],
      },
    ],
    foreignKeys: [],
    amcheck: { status: 'not_installed' },
    indexes: [],
    damaged: ['items'],
    ok: false,
  };

  it('names the damaged tables and says what amcheck did', () => {
    expect(summarizeIntegrity(base)).toBe(
      '1 damaged table in tenant_acme (items) against backup acme-1 (2026-03-01T03:00:00.000Z); amcheck is available but not installed in the target database (CREATE EXTENSION amcheck): indexes not checked',
    );
    expect(integrityProblems(base)).toEqual([
      'items: 2 rows whose order_id names no row of tenant_acme.orders(id) (items_fk, not valid)',
    ]);
    expect(describeAmcheck({ status: 'checked', indexes: 1 })).toBe(
      'amcheck: 1 B-tree index checked',
    );
    expect(describeAmcheck({ status: 'unavailable' })).toMatch(/not available on this server/);
  });
});
