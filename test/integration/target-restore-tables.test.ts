// `tenant-restore tables=` on the target: only the listed tables' rows are replaced in the live
// schema, in one transaction, the replaced rows kept for rollback; a foreign key of another
// table that would be left dangling fails it naming the constraint, with nothing changed.
import {
  fingerprint,
  openTargetFixture,
  targetKinds,
  type TargetFixture,
} from '../support/target-fixture';

jest.setTimeout(120_000);

for (const k of targetKinds()) {
  (k.run ? describe : describe.skip)(`table restore of one tenant (${k.title})`, () => {
    let f: TargetFixture;

    beforeAll(async () => {
      f = await openTargetFixture(k.kind);
    });

    afterAll(async () => {
      await f?.close();
    });

    const table = async (schema: string, name: string) => (await fingerprint(f, schema))[name];

    it('replaces the damaged tables only, keeps the replaced rows, and puts them back', async () => {
      const globex = await fingerprint(f, 'tenant_globex');
      const backup = await f.target.backup({ tenant: 'acme', kind: 'full' });
      const atBackup = await fingerprint(f, 'tenant_acme');

      // Damage orders (an enum column, an identity key) and products; legit new customers.
      await f.asApp([
        `UPDATE tenant_acme.orders SET status = 'cancelled', total = 0 WHERE id <= 40`,
        `DELETE FROM tenant_acme.orders WHERE id IN (141, 142) `,
        `UPDATE tenant_acme.products SET price_cents = 0`,
        `INSERT INTO tenant_acme.customers (email, name) VALUES ('new@acme.example', 'New one')`,
      ]);
      const damaged = await fingerprint(f, 'tenant_acme');
      expect(damaged.orders).not.toEqual(atBackup.orders);

      await f.target.pauseWrites('acme');
      const chain = await f.target.chainFor('acme', { backupId: backup.id });
      await f.target.restoreInto('acme', chain, 'tenant_acme__r7');
      const report = await f.target.validate('tenant_acme__r7', backup, {
        tables: ['orders', 'products'],
      });
      expect(report.problems).toEqual([]);
      expect(report.tables.map((t) => t.name).sort()).toEqual(['orders', 'products']);

      const r = await f.target.replaceTables(
        'acme',
        'tenant_acme__r7',
        ['products', 'orders'],
        'tenant_acme__kept_r7',
      );
      expect(r).toMatchObject({
        schema: 'tenant_acme',
        kept: 'tenant_acme__kept_r7',
        changed: true,
      });
      expect(r.tables.find((t) => t.name === 'orders')).toEqual({
        name: 'orders',
        deleted: 0,
        updated: 40,
        inserted: 2,
      });
      // Run twice (a retried step): nothing more happens.
      expect(
        await f.target.replaceTables(
          'acme',
          'tenant_acme__r7',
          ['products', 'orders'],
          'tenant_acme__kept_r7',
        ),
      ).toMatchObject({ changed: false, tables: [] });

      const after = await fingerprint(f, 'tenant_acme');
      expect(after.orders).toEqual(atBackup.orders);
      expect(after.products).toEqual(atBackup.products);
      expect(after.customers).toEqual(damaged.customers); // the new customer stays
      expect(await f.target.schemaOf('acme')).toBe('tenant_acme');
      // The identity sequence is past the largest id, so the app's next order gets a new id.
      await f.target.resumeWrites('acme');
      await f.asApp([
        `INSERT INTO tenant_acme.orders (customer_id, placed_at) VALUES (1, now())`,
        `DELETE FROM tenant_acme.orders WHERE id > 150`,
      ]);
      expect(await table('tenant_acme__kept_r7', 'orders')).toEqual(damaged.orders);

      const back = await f.target.putBackTables('acme', 'tenant_acme__kept_r7');
      expect(back).toMatchObject({ changed: true, tables: ['orders', 'products'] });
      const rolled = await fingerprint(f, 'tenant_acme');
      expect(rolled.orders).toEqual(damaged.orders);
      expect(rolled.products).toEqual(damaged.products);
      expect(
        await f.sql(`SELECT 1 FROM pg_namespace WHERE nspname = 'tenant_acme__kept_r7'`),
      ).toEqual([]);
      expect(await f.target.putBackTables('acme', 'tenant_acme__kept_r7')).toMatchObject({
        changed: false,
      });
      expect(await fingerprint(f, 'tenant_globex')).toEqual(globex);
      await f.target.dropSchema('tenant_acme__r7');
    });

    it("fails naming the constraint when another table's rows would point at nothing, changing nothing", async () => {
      const backup = await f.target.backup({ tenant: 'acme', kind: 'full' });
      // After the backup: a new order with an item (order_items references orders, ON DELETE CASCADE).
      await f.asApp([
        `INSERT INTO tenant_acme.orders (id, customer_id, placed_at) VALUES (900, 1, now())`,
        `INSERT INTO tenant_acme.order_items (order_id, line, sku, quantity) VALUES (900, 1, 'SKU-001', 1)`,
      ]);
      const before = await fingerprint(f, 'tenant_acme');
      const chain = await f.target.chainFor('acme', { backupId: backup.id });
      await f.target.restoreInto('acme', chain, 'tenant_acme__r8');
      await expect(
        f.target.replaceTables('acme', 'tenant_acme__r8', ['orders'], 'tenant_acme__kept_r8'),
      ).rejects.toThrow(
        /foreign key order_items_order_id_fkey of tenant_acme\.order_items: 1 row would reference orders rows .* nothing was changed/,
      );
      expect(await fingerprint(f, 'tenant_acme')).toEqual(before);
      expect(
        await f.sql(`SELECT 1 FROM pg_namespace WHERE nspname = 'tenant_acme__kept_r8'`),
      ).toEqual([]);
      // Restoring both tables together is consistent: it goes through.
      const both = await f.target.replaceTables(
        'acme',
        'tenant_acme__r8',
        ['orders', 'order_items'],
        'tenant_acme__kept_r8',
      );
      expect(both.changed).toBe(true);
      const after = await fingerprint(f, 'tenant_acme');
      const restored = await fingerprint(f, 'tenant_acme__r8');
      expect(after.orders).toEqual(restored.orders);
      expect(after.order_items).toEqual(restored.order_items);
      await f.target.putBackTables('acme', 'tenant_acme__kept_r8');
      expect(await fingerprint(f, 'tenant_acme')).toEqual(before);
      await f.target.dropSchema('tenant_acme__r8');
    });

    it('keeps and puts back a table with a generated column', async () => {
      const backup = await f.target.backup({ tenant: 'acme', kind: 'full' });
      const atBackup = await fingerprint(f, 'tenant_acme');
      await f.asApp([`UPDATE tenant_acme.customers SET email = 'x' || id || '@damaged.example'`]);
      const damaged = await fingerprint(f, 'tenant_acme');
      const chain = await f.target.chainFor('acme', { backupId: backup.id });
      await f.target.restoreInto('acme', chain, 'tenant_acme__r9');
      await f.target.replaceTables(
        'acme',
        'tenant_acme__r9',
        ['customers'],
        'tenant_acme__kept_r9',
      );
      expect(await fingerprint(f, 'tenant_acme')).toEqual(atBackup);
      await f.target.putBackTables('acme', 'tenant_acme__kept_r9');
      expect(await fingerprint(f, 'tenant_acme')).toEqual(damaged);
      await f.target.dropSchema('tenant_acme__r9');
    });
  });
}
