import {
  assertNextMigration,
  parseMigration,
  splitStatements,
} from '../../src/adapters/target/migration-files';
import { carryExpr, planMigration } from '../../src/adapters/target/migration-plan';
import type { SchemaStructure, TableDef } from '../../src/adapters/target/structure';

describe('migration files', () => {
  it('splits statements at semicolons outside quotes, comments and dollar bodies, with their lines', () => {
    const sql = [
      "-- a comment; with a semicolon and it's quote",
      "ALTER TABLE t ADD COLUMN note text DEFAULT 'a;b';",
      '/* block; comment */ CREATE INDEX i ON t (note);',
      'DO $body$ BEGIN PERFORM 1; END $body$;',
      '-- check: SELECT true',
    ].join('\n');
    expect(splitStatements(sql)).toEqual([
      { sql: "ALTER TABLE t ADD COLUMN note text DEFAULT 'a;b'", line: 2 },
      { sql: 'CREATE INDEX i ON t (note)', line: 3 },
      { sql: 'DO $body$ BEGIN PERFORM 1; END $body$', line: 4 },
    ]);
    expect(parseMigration(sql, '0001_x').checks).toEqual(['SELECT true']);
  });

  it('refuses transaction control, CONCURRENTLY and a file of comments only', () => {
    expect(() => parseMigration('ALTER TABLE t ADD x int;\nCOMMIT;', '0001_x')).toThrow(
      /contains COMMIT/,
    );
    expect(() => parseMigration('CREATE INDEX CONCURRENTLY i ON t (x);', '0001_x')).toThrow(
      /uses CONCURRENTLY/,
    );
    expect(() => parseMigration('-- check: SELECT true\n', '0001_x')).toThrow(/has no SQL/);
    expect(() => parseMigration("SELECT 'COMMIT; CONCURRENTLY';", '0001_x')).not.toThrow();
  });

  it('takes the first file past the version as the next one', () => {
    const files = [1, 2, 5].map((v) => ({
      name: `000${v}_m`,
      version: v,
      path: `/m/000${v}_m.sql`,
    }));
    expect(() => assertNextMigration(files, 'acme', 2, files[2]!)).not.toThrow();
    expect(() => assertNextMigration(files, 'acme', 0, files[1]!)).toThrow(
      'the next migration is 0001_m, not 0002_m',
    );
    expect(() => assertNextMigration(files, 'acme', 2, files[1]!)).toThrow(/already applied/);
  });
});

function table(name: string, columns: [string, string][], more: Partial<TableDef> = {}): TableDef {
  return {
    name,
    unlogged: false,
    owner: 'o',
    columns: columns.map(([n, type]) => ({
      name: n,
      type,
      notNull: false,
      default: null,
      identity: '',
      generated: '',
      collation: null,
    })),
    primaryKey: { columns: ['id'], kinds: ['int'] },
    constraints: [],
    indexes: [],
    grants: [],
    ...more,
  };
}

function schema(tables: TableDef[], enums: string[] = []): SchemaStructure {
  return {
    format: 1,
    schema: 's',
    owner: 'o',
    schemaGrants: [],
    enums: enums.map((e) => ({ name: e, labels: ['a'], owner: 'o' })),
    sequences: [],
    tables,
  };
}

describe('migration plan', () => {
  const parent = table('customers', [
    ['id', 'bigint'],
    ['country', 'text'],
  ]);
  const child = table(
    'orders',
    [
      ['id', 'bigint'],
      ['customer_id', 'bigint'],
      ['status', 'order_status'],
    ],
    {
      constraints: [
        { name: 'fk', type: 'f', def: 'FOREIGN KEY (customer_id) REFERENCES customers(id)' },
      ],
    },
  );

  it('orders parents first, casts changed types and enums, and names added, dropped and converted columns', () => {
    const live = schema([child, parent, table('gone', [['id', 'int']])], ['order_status']);
    const shadow = schema(
      [
        table(
          'orders',
          [
            ['id', 'bigint'],
            ['customer_id', 'bigint'],
            ['status', 'order_status'],
            ['priority', 'integer'],
          ],
          {
            constraints: child.constraints,
          },
        ),
        table('customers', [
          ['id', 'bigint'],
          ['country', 'character varying(8)'],
        ]),
        table('notes', [['id', 'bigint']]),
      ],
      ['order_status'],
    );
    const plan = planMigration(live, shadow);
    expect(plan.tables.map((t) => [t.name, t.referenced])).toEqual([
      ['customers', { old: true, shadow: true }],
      ['orders', { old: false, shadow: false }],
    ]);
    expect(plan.changes).toEqual(
      expect.arrayContaining([
        {
          name: 'orders',
          change: 'kept',
          addedColumns: ['priority'],
          droppedColumns: [],
          convertedColumns: [],
        },
        {
          name: 'customers',
          change: 'kept',
          addedColumns: [],
          droppedColumns: [],
          convertedColumns: ['country'],
        },
        {
          name: 'gone',
          change: 'dropped',
          addedColumns: [],
          droppedColumns: [],
          convertedColumns: [],
        },
        {
          name: 'notes',
          change: 'added',
          addedColumns: [],
          droppedColumns: [],
          convertedColumns: [],
        },
      ]),
    );
    const [customers, orders] = plan.tables;
    expect(carryExpr(plan, customers!.columns[1]!, 's', 'old')).toBe(
      'CAST(s."country" AS character varying(8))',
    );
    expect(carryExpr(plan, orders!.columns[2]!, 's', 'old')).toBe(
      'CAST(CAST(s."status" AS text) AS order_status)',
    );
    expect(carryExpr(plan, orders!.columns[0]!, 's', 'old')).toBe('s."id"');
  });

  it('refuses a table without a key and a key the migration changed', () => {
    const keyless = table('t', [['id', 'int']], { primaryKey: null });
    expect(() => planMigration(schema([keyless]), schema([keyless]))).toThrow(/has no primary key/);
    const rekeyed = table(
      'customers',
      [
        ['id', 'bigint'],
        ['country', 'text'],
      ],
      {
        primaryKey: { columns: ['country'], kinds: ['text'] },
      },
    );
    expect(() => planMigration(schema([parent]), schema([rekeyed]))).toThrow(
      'the migration changes the primary key of customers (id → country)',
    );
  });
});
