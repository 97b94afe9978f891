import type { PgTargetSystem } from '../../src/adapters/target/pg-target-system';
import {
  captureTriggersLeft,
  migrationsDir,
  ORDER_PRIORITY,
  routingOf,
} from '../support/migration-files';
import {
  fingerprint,
  openTargetFixture,
  targetKinds,
  type TargetFixture,
} from '../support/target-fixture';

jest.setTimeout(180_000);

/** Nothing of a refused migration is left: no shadow, no row, no capture, data as it was. */
async function expectNothingChanged(
  f: TargetFixture,
  before: Record<string, Record<string, string>>,
): Promise<void> {
  expect(
    await f.sql(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%\\_\\_v%'`),
  ).toEqual([]);
  expect(await f.sql(`SELECT * FROM tenantops_control.tenant_migrations`)).toEqual([]);
  expect(await captureTriggersLeft(f)).toEqual([]);
  for (const [schema, print] of Object.entries(before))
    expect(await fingerprint(f, schema)).toEqual(print);
  expect(await routingOf(f, 'initech')).toEqual({ schema_name: 'tenant_initech', version: 0 });
}

for (const k of targetKinds()) {
  (k.run ? describe : describe.skip)(`tenant-migrate refusals (${k.title})`, () => {
    let f: TargetFixture;
    let target: PgTargetSystem;
    let before: Record<string, Record<string, string>>;

    beforeAll(async () => {
      const dir = await migrationsDir({
        '0001_order_priority.sql': ORDER_PRIORITY,
        '0002_archived.sql': 'ALTER TABLE orders ADD COLUMN archived boolean;',
      });
      f = await openTargetFixture(k.kind, { migrationsDir: dir });
      target = f.target;
      await target.ensureControlSchema();
      before = {};
      for (const s of ['tenant_acme', 'tenant_globex', 'tenant_initech'])
        before[s] = await fingerprint(f, s);
    });

    afterAll(async () => {
      await f?.close();
    });

    /** A target system reading a folder holding just this `0001_…` file. */
    async function only(name: string, sql: string): Promise<PgTargetSystem> {
      return f.system(await migrationsDir({ [`${name}.sql`]: sql }));
    }

    it('lists the migration files in order and reads their -- check: lines', async () => {
      expect((await target.listMigrations()).map((m) => [m.name, m.version])).toEqual([
        ['0001_order_priority', 1],
        ['0002_archived', 2],
      ]);
      const m = await target.readMigration('0001_order_priority.sql');
      expect(m.checks).toEqual([
        'SELECT count(*) = 0 FROM orders WHERE priority <> 0',
        'SELECT id FROM customers WHERE length(country) > 2',
      ]);
    });

    it('refuses a migration that does not exist, is out of order, already applied or badly named', async () => {
      await expect(target.nextMigration('initech', '0009_nope')).rejects.toThrow(
        /no migration 0009_nope\.sql in .* \(there: 0001_order_priority, 0002_archived\)/,
      );
      await expect(target.nextMigration('initech', '0002_archived')).rejects.toThrow(
        'tenant initech is at version 0: the next migration is 0001_order_priority, not 0002_archived',
      );
      await expect(target.createShadow('initech', '0002_archived')).rejects.toThrow(
        /the next migration is 0001_order_priority/,
      );
      await expect(target.nextMigration('initech', '../../etc/passwd')).rejects.toThrow(
        /is not a migration name: NNNN_name/,
      );
      await f.sql(
        `UPDATE tenantops_control.tenant_routing SET version = 1 WHERE tenant_id = 'acme'`,
      );
      await expect(target.nextMigration('acme', '0001_order_priority')).rejects.toThrow(
        'tenant acme is at version 1: 0001_order_priority (version 1) is already applied',
      );
      expect((await target.nextMigration('acme', '0002_archived')).version).toBe(2);
      await f.sql(
        `UPDATE tenantops_control.tenant_routing SET version = 0 WHERE tenant_id = 'acme'`,
      );
      await expect(f.system('/nonexistent/tenant-migrations').listMigrations()).rejects.toThrow(
        /target.migrationsDir \/nonexistent\/tenant-migrations cannot be read: ENOENT/,
      );
      await expect(target.copyToShadow('initech', '0001_order_priority')).rejects.toThrow(
        'migration 0001_order_priority of tenant initech has no shadow schema yet',
      );
      await expectNothingChanged(f, before);
    });

    it('refuses files with transaction control, CONCURRENTLY or two files of one number', async () => {
      const tx = await only('0001_tx', 'BEGIN;\nALTER TABLE orders ADD COLUMN x int;\nCOMMIT;');
      await expect(tx.readMigration('0001_tx')).rejects.toThrow(
        /contains BEGIN: tenant-migrate runs the file inside its own transaction/,
      );
      const conc = await only('0001_conc', 'CREATE INDEX CONCURRENTLY o_idx ON orders (note);');
      await expect(conc.createShadow('initech', '0001_conc')).rejects.toThrow(/uses CONCURRENTLY/);
      const dir = await migrationsDir({ '0001_a.sql': 'SELECT 1;', '0001_b.sql': 'SELECT 1;' });
      await expect(f.system(dir).listMigrations()).rejects.toThrow(
        /0001_a\.sql and 0001_b\.sql in .* share the number 0001/,
      );
      // A DO block's BEGIN is not transaction control.
      const doBlock = await only(
        '0001_do',
        `DO $$ BEGIN PERFORM 1; END $$;\n-- it's fine: COMMIT in a comment`,
      );
      expect((await doBlock.readMigration('0001_do')).checks).toEqual([]);
      await expectNothingChanged(f, before);
    });

    it('changes nothing when the migration fails on the shadow', async () => {
      const broken = await only(
        '0001_broken',
        'ALTER TABLE orders ADD COLUMN customer_ref bigint;\nALTER TABLE nosuch ADD COLUMN x int;\n',
      );
      await expect(broken.createShadow('initech', '0001_broken')).rejects.toThrow(
        /0001_broken fails on the shadow schema at line 2 \(ALTER TABLE nosuch ADD COLUMN x int\): relation "nosuch" does not exist\. Nothing was changed/,
      );
      const keyChange = await only(
        '0001_key',
        'ALTER TABLE order_items DROP CONSTRAINT order_items_pkey;',
      );
      await expect(keyChange.createShadow('initech', '0001_key')).rejects.toThrow(
        /changes the primary key of order_items \(order_id, line → none\)/,
      );
      const view = await only('0001_view', 'CREATE VIEW paid AS SELECT * FROM orders;');
      await expect(view.createShadow('initech', '0001_view')).rejects.toThrow(
        /creates what tenant-migrate \(and the backups\) cannot carry: view paid/,
      );
      const rows = await only(
        '0001_rows',
        `INSERT INTO products (sku, name, price_cents) VALUES ('X', 'x', 1);`,
      );
      await expect(rows.createShadow('initech', '0001_rows')).rejects.toThrow(
        /inserts rows into the existing table products/,
      );
      await expectNothingChanged(f, before);
    });

    it("refuses a migration that reaches outside its shadow (another tenant's schema, the live one)", async () => {
      for (const sql of [
        'ALTER TABLE tenant_acme.orders ADD COLUMN hacked int;',
        'CREATE TABLE stolen AS SELECT * FROM tenant_globex.customers;',
        'UPDATE tenant_initech.orders SET note = NULL WHERE id = 1;',
        'DROP TABLE tenant_acme.events;',
        'CREATE SCHEMA elsewhere;',
      ]) {
        const m = await only('0001_outside', sql);
        await expect(m.createShadow('initech', '0001_outside')).rejects.toThrow(
          /0001_outside reaches outside its shadow schema tenant_initech__v1 \(.+\)/,
        );
      }
      expect(await f.sql(`SELECT 1 FROM pg_namespace WHERE nspname = 'elsewhere'`)).toEqual([]);
      await expectNothingChanged(f, before);
    });

    it('refuses a second migration while one is in progress, and an unknown flag name', async () => {
      await target.createShadow('initech', '0001_order_priority');
      const other = await only('0001_other', 'ALTER TABLE orders ADD COLUMN y int;');
      await expect(other.createShadow('initech', '0001_other')).rejects.toThrow(
        'tenant initech is in migration 0001_order_priority (shadow, shadow tenant_initech__v1): roll it back before 0001_other',
      );
      await expect(target.switchToShadow('initech', '0001_order_priority')).rejects.toThrow(
        /has not passed validation \(shadow\)/,
      );
      await expect(target.validateShadow('initech', '0001_order_priority')).rejects.toThrow(
        /not all in tenant_initech__v1 yet: copy them first/,
      );
      await expect(target.finishMigration('initech', '0001_order_priority')).rejects.toThrow(
        /has not been switched/,
      );
      await expect(target.setFlag('initech', 'Bad Flag', true)).rejects.toThrow(
        /is not a flag name/,
      );
      expect(await target.dropShadow('initech', '0001_order_priority')).toEqual({
        dropped: true,
        removedTriggers: 0,
      });
      await expectNothingChanged(f, before);
    });
  });
}
