import type { PgTargetSystem } from '../../src/adapters/target/pg-target-system';
import {
  ARCHIVED,
  captureTriggersLeft,
  columnsOf,
  migrationsDir,
  ORDER_PRIORITY,
  routingOf,
  rowsMissing,
} from '../support/migration-files';
import {
  fingerprint,
  openTargetFixture,
  targetKinds,
  type TargetFixture,
} from '../support/target-fixture';
import { TenantWriter } from '../support/tenant-writer';

jest.setTimeout(240_000);

const M1 = '0001_order_priority';
const insertOrder = (schema: string) =>
  `INSERT INTO ${schema}.orders (customer_id, placed_at, note)
   VALUES (1 + floor(random() * 60)::int, now(), 'writer') RETURNING id`;

for (const k of targetKinds()) {
  (k.run ? describe : describe.skip)(`tenant-migrate on the target (${k.title})`, () => {
    let f: TargetFixture;
    let target: PgTargetSystem;

    beforeAll(async () => {
      const dir = await migrationsDir({
        [`${M1}.sql`]: ORDER_PRIORITY,
        '0002_archived.sql': ARCHIVED,
      });
      f = await openTargetFixture(k.kind, { migrationsDir: dir });
      target = f.target;
      await target.ensureControlSchema();
    });

    afterAll(async () => {
      await f?.close();
    });

    it('switches the pointer with the data intact while a writer keeps inserting; writes are refused only during the pause', async () => {
      const others = [
        await fingerprint(f, 'tenant_globex'),
        await fingerprint(f, 'tenant_initech'),
      ];
      const writer = new TenantWriter(f.url, f.appRole, 'acme', insertOrder);
      await writer.start();
      try {
        await writer.waitForWrites(5);
        expect(await target.setFlag('acme', 'migrating', M1)).toEqual({ migrating: M1 });
        expect(await target.setFlag('acme', 'migrating', M1)).toEqual({ migrating: M1 });

        const shadow = await target.createShadow('acme', M1);
        expect(shadow).toMatchObject({
          shadowSchema: 'tenant_acme__v1',
          fromSchema: 'tenant_acme',
          fromVersion: 0,
          toVersion: 1,
          created: true,
        });
        expect(shadow.tables).toEqual(
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
              name: 'order_notes',
              change: 'added',
              addedColumns: [],
              droppedColumns: [],
              convertedColumns: [],
            },
          ]),
        );
        expect(await target.createShadow('acme', M1)).toEqual({ ...shadow, created: false });

        const copy = await target.copyToShadow('acme', M1);
        expect(copy.copied).toBe(true);
        expect(copy.tables.find((t) => t.name === 'order_items')?.rows).toBe(300);
        // Changes of every kind while the shadow is being filled, as the app.
        await f.asApp([
          `UPDATE tenant_acme.customers SET name = 'Renamed', country = 'PT' WHERE id = 3`,
          `UPDATE tenant_acme.orders SET status = 'shipped', note = 'moved' WHERE id = 10`,
          `DELETE FROM tenant_acme.orders WHERE id = 20`,
          `INSERT INTO tenant_acme.products (sku, name, price_cents) VALUES ('SKU-NEW', 'New', 500)`,
          `UPDATE tenant_acme.order_items SET quantity = 4 WHERE order_id = 5 AND line = 1`,
          `UPDATE tenant_acme.events SET id = md5('rekeyed')::uuid WHERE id = md5('tenant_acme' || 4)::uuid`,
          `DELETE FROM tenant_acme.events WHERE kind = 'view'`,
        ]);
        await writer.waitForWrites(5);
        const again = await target.copyToShadow('acme', M1);
        expect(again).toMatchObject({ copied: false, rowsCopied: 0 });

        const report = await target.validateShadow('acme', M1);
        expect(report.problems).toEqual([]);
        expect(report.ok).toBe(true);
        expect(report.checks.map((c) => c.result)).toEqual(['true', 'no rows']);
        expect(report.tables.find((t) => t.name === 'customers')?.columns).not.toContain('country');
        expect((await target.validateShadow('acme', M1)).ok).toBe(true);
        await writer.waitForWrites(5);

        const sw = await target.switchToShadow('acme', M1);
        expect(sw).toMatchObject({
          changed: true,
          from: 'tenant_acme',
          to: 'tenant_acme__v1',
          version: 1,
        });
        expect(sw.pauseMs).toBeGreaterThan(0);
        expect(await target.switchToShadow('acme', M1)).toMatchObject({
          changed: false,
          pauseMs: Math.round(sw.pauseMs),
        });
        await writer.waitForWrites(5);
        await writer.stop();

        expect(await routingOf(f, 'acme')).toEqual({ schema_name: 'tenant_acme__v1', version: 1 });
        const refused = writer.attempts.filter((a) => a.outcome !== 'ok');
        expect(refused.filter((a) => a.outcome === 'error')).toEqual([]);
        for (const a of refused) {
          expect(a.end).toBeGreaterThanOrEqual(sw.pausedAt!.getTime());
          expect(a.start).toBeLessThanOrEqual(sw.resumedAt!.getTime());
        }
        // Every write that went through is in the new schema, wherever it was made.
        const ids = writer.succeeded().map((a) => a.id!);
        expect(writer.succeeded().some((a) => a.schema === 'tenant_acme')).toBe(true);
        expect(writer.succeeded().some((a) => a.schema === 'tenant_acme__v1')).toBe(true);
        const [present] = await f.sql<{ n: string }>(
          `SELECT count(*)::text AS n FROM tenant_acme__v1.orders WHERE id = ANY($1::bigint[])`,
          [ids],
        );
        expect(Number(present!.n)).toBe(ids.length);
        // The old schema, frozen at the switch, is in the new one row for row.
        for (const table of ['customers', 'products', 'orders', 'order_items', 'events']) {
          const cols = await columnsOf(f, 'tenant_acme', table);
          expect([
            table,
            await rowsMissing(f, 'tenant_acme', 'tenant_acme__v1', table, cols),
          ]).toEqual([table, 0]);
        }
        const after = writer.succeeded().filter((a) => a.schema === 'tenant_acme__v1').length;
        const [extra] = await f.sql<{ n: string }>(
          `SELECT (SELECT count(*) FROM tenant_acme__v1.orders) - (SELECT count(*) FROM tenant_acme.orders) AS n`,
        );
        expect(Number(extra!.n)).toBe(after);
        const [customer] = await f.sql(
          `SELECT name, country FROM tenant_acme__v1.customers WHERE id = 3`,
        );
        expect(customer).toEqual({ name: 'Renamed', country: 'PT' });
        expect(await f.sql(`SELECT DISTINCT priority FROM tenant_acme__v1.orders`)).toEqual([
          { priority: 0 },
        ]);
        expect(
          await f.sql(`SELECT status::text FROM tenant_acme__v1.orders WHERE id = 10`),
        ).toEqual([{ status: 'shipped' }]);
        expect(
          await f.sql(`SELECT 1 FROM tenant_acme__v1.order_items WHERE order_id = 20`),
        ).toEqual([]);

        // The app writes the new schema (the new table too) and no longer the old one.
        await f.asApp([
          `INSERT INTO tenant_acme__v1.order_notes (order_id, body) VALUES (1, 'after the switch')`,
          `UPDATE tenant_acme__v1.orders SET priority = 2 WHERE id = 1`,
        ]);
        await expect(
          f.asApp([`UPDATE tenant_acme.orders SET note = 'x' WHERE id = 1`]),
        ).rejects.toThrow(/permission denied/);
        expect(await target.writesPaused('acme')).toMatchObject({
          paused: false,
          readOnly: false,
          heldGrants: null,
        });

        expect(await target.finishMigration('acme', M1)).toEqual({ removedTriggers: 20 });
        expect(await target.finishMigration('acme', M1)).toEqual({ removedTriggers: 0 });
        expect(await captureTriggersLeft(f)).toEqual([]);
        expect(await target.setFlag('acme', 'migrating', null)).toEqual({});
        expect(await target.setFlag('acme', 'migrating', null)).toEqual({});
        expect(await f.sql(`SELECT * FROM tenantops_control.migration_changes`)).toEqual([]);
        expect(await target.tenantVersion('acme')).toMatchObject({
          schema: 'tenant_acme__v1',
          version: 1,
          migration: { phase: 'done', capturing: false, pendingChanges: 0 },
        });
        expect([
          await fingerprint(f, 'tenant_globex'),
          await fingerprint(f, 'tenant_initech'),
        ]).toEqual(others);
      } finally {
        await writer.stop();
      }
    });

    it('stops before the switch when a -- check: fails, and the rollback leaves the live schema as it was', async () => {
      const live = await fingerprint(f, 'tenant_acme__v1');
      await target.createShadow('acme', '0002_archived');
      await target.copyToShadow('acme', '0002_archived');
      const report = await target.validateShadow('acme', '0002_archived');
      expect(report.ok).toBe(false);
      expect(report.problems).toEqual([`check "SELECT count(*) = 0 FROM orders": returned false`]);
      await expect(target.switchToShadow('acme', '0002_archived')).rejects.toThrow(
        /has not passed validation \(ready\): the pointer is not moved/,
      );
      expect(await target.pointBack('acme', '0002_archived')).toMatchObject({ changed: false });
      expect(await target.dropShadow('acme', '0002_archived')).toEqual({
        dropped: true,
        removedTriggers: 24,
      });
      expect(await target.dropShadow('acme', '0002_archived')).toEqual({
        dropped: false,
        removedTriggers: 0,
      });
      expect(await f.sql(`SELECT 1 FROM pg_namespace WHERE nspname = 'tenant_acme__v2'`)).toEqual(
        [],
      );
      expect(await captureTriggersLeft(f)).toEqual([]);
      expect(await routingOf(f, 'acme')).toEqual({ schema_name: 'tenant_acme__v1', version: 1 });
      expect(await fingerprint(f, 'tenant_acme__v1')).toEqual(live);
    });

    it('points back after a switch, carrying the writes made since, and drops the shadow', async () => {
      await target.createShadow('globex', M1);
      await target.copyToShadow('globex', M1);
      await f.sql(`TRUNCATE tenant_globex.events`);
      expect((await target.validateShadow('globex', M1)).ok).toBe(true);
      // A pause left by an attempt whose worker died: the switch takes it over and counts it.
      await target.pauseWrites('globex');
      await expect(
        f.asApp([`INSERT INTO tenant_globex.orders (customer_id, placed_at) VALUES (2, now())`]),
      ).rejects.toThrow(/permission denied/);
      const calledAt = Date.now();
      const sw = await target.switchToShadow('globex', M1);
      expect(sw.changed).toBe(true);
      expect(sw.pausedAt!.getTime()).toBeLessThan(calledAt);
      expect(await target.writesPaused('globex')).toMatchObject({
        paused: false,
        schema: 'tenant_globex__v1',
      });
      await f.asApp([
        `INSERT INTO tenant_globex__v1.orders (customer_id, placed_at, priority) VALUES (2, now(), 5)`,
        `UPDATE tenant_globex__v1.customers SET name = 'Changed after the switch' WHERE id = 4`,
        `DELETE FROM tenant_globex__v1.order_items WHERE order_id = 7`,
      ]);
      const onNew = await f.sql<{ n: string }>(
        `SELECT count(*)::text AS n FROM tenant_globex__v1.orders`,
      );

      const back = await target.pointBack('globex', M1);
      expect(back).toMatchObject({
        to: 'tenant_globex',
        version: 0,
        changed: true,
        rowsCarriedBack: 4,
      });
      expect(await target.pointBack('globex', M1)).toMatchObject({ changed: false });
      expect(await routingOf(f, 'globex')).toEqual({ schema_name: 'tenant_globex', version: 0 });
      expect(await f.sql(`SELECT count(*)::text AS n FROM tenant_globex.orders`)).toEqual(onNew);
      expect(await f.sql(`SELECT name FROM tenant_globex.customers WHERE id = 4`)).toEqual([
        { name: 'Changed after the switch' },
      ]);
      expect(await f.sql(`SELECT 1 FROM tenant_globex.order_items WHERE order_id = 7`)).toEqual([]);
      expect(await f.sql(`SELECT count(*)::int AS n FROM tenant_globex.events`)).toEqual([
        { n: 0 },
      ]);
      await f.asApp([
        `INSERT INTO tenant_globex.orders (customer_id, placed_at) VALUES (3, now())`,
      ]);
      expect(await target.writesPaused('globex')).toMatchObject({ paused: false, readOnly: false });

      expect(await target.dropShadow('globex', M1)).toMatchObject({ dropped: true });
      expect(await f.sql(`SELECT 1 FROM pg_namespace WHERE nspname = 'tenant_globex__v1'`)).toEqual(
        [],
      );
      expect(await captureTriggersLeft(f)).toEqual([]);
      expect((await target.tenantVersion('globex')).migration).toBeNull();
    });

    it('counts the rows of the routed schema', async () => {
      const counts = await target.tableCounts('globex');
      const [orders] = await f.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM tenant_globex.orders`,
      );
      expect(counts.find((c) => c.table === 'orders')).toEqual({
        table: 'orders',
        rows: orders!.n,
        exact: true,
      });
      expect(counts.map((c) => c.table)).toEqual([
        'customers',
        'events',
        'order_items',
        'orders',
        'products',
      ]);
    });
  });
}
