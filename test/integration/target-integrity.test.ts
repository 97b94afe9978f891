import { integrityProblems, summarizeIntegrity } from '../../src/domain/target/integrity';
import { openTargetFixture, targetKinds, type TargetFixture } from '../support/target-fixture';

jest.setTimeout(120_000);

for (const k of targetKinds()) {
  (k.run ? describe : describe.skip)(`integrity verification (${k.title})`, () => {
    let f: TargetFixture;

    const count = async (sql: string) => Number((await f.sql<{ n: string }>(sql))[0]!.n);

    beforeAll(async () => {
      f = await openTargetFixture(k.kind);
      await f.target.backup({ tenant: 'acme', kind: 'full', id: 'acme-integrity-1' });
      await f.target.backup({ tenant: 'globex', kind: 'full', id: 'globex-integrity-1' });
    });

    afterAll(async () => {
      await f?.close();
    });

    it('finds an untouched tenant intact against its newest backup, and says whether amcheck ran', async () => {
      const r = await f.target.verifyIntegrity('acme');
      expect(r).toMatchObject({
        ok: true,
        damaged: [],
        backupId: 'acme-integrity-1',
        schema: 'tenant_acme',
      });
      expect(r.tables.map((t) => [t.table, t.status])).toEqual([
        ['customers', 'matches_backup'],
        ['events', 'matches_backup'],
        ['order_items', 'matches_backup'],
        ['orders', 'matches_backup'],
        ['products', 'matches_backup'],
      ]);
      expect(r.foreignKeys.map((x) => [x.table, x.references, x.source, x.orphans])).toEqual([
        ['events', 'tenant_acme.customers(id)', 'valid', 0],
        ['order_items', 'tenant_acme.orders(id)', 'valid', 0],
        ['order_items', 'tenant_acme.products(sku)', 'valid', 0],
        ['orders', 'tenant_acme.customers(id)', 'valid', 0],
      ]);
      expect(r.amcheck).toEqual({
        status: k.kind === 'embedded' ? 'unavailable' : 'not_installed',
      });
      expect(summarizeIntegrity(r)).toMatch(
        /^5 tables of tenant_acme intact against backup acme-integrity-1 .*amcheck is/,
      );
    });

    it('names the damaged tables: an unexpected change, orphans behind NOT VALID, dropped and bypassed keys', async () => {
      await f.sql(`
        UPDATE tenant_acme.products SET price_cents = price_cents + 1 WHERE sku = 'SKU-001';
        INSERT INTO tenant_acme.customers (email, name) VALUES ('new@acme.example', 'New');
        ALTER TABLE tenant_acme.orders DROP CONSTRAINT orders_customer_id_fkey;
        INSERT INTO tenant_acme.orders (customer_id, placed_at) VALUES (99999, now()), (99998, now());
        ALTER TABLE tenant_acme.orders ADD CONSTRAINT orders_customer_id_fkey
          FOREIGN KEY (customer_id) REFERENCES tenant_acme.customers (id) NOT VALID;
        ALTER TABLE tenant_acme.order_items DROP CONSTRAINT order_items_sku_fkey;
        INSERT INTO tenant_acme.order_items (order_id, line, sku, quantity) VALUES (1, 9, 'NOPE', 1);`);
      // A valid key bypassed: replication mode fires no foreign-key triggers.
      await f.sql(`SET session_replication_role = replica;
        DELETE FROM tenant_acme.customers WHERE id = 2;
        RESET session_replication_role;`);
      const eventOrphans = await count(
        `SELECT count(*) AS n FROM tenant_acme.events WHERE customer_id = 2`,
      );
      const orderOrphans = await count(
        `SELECT count(*) AS n FROM tenant_acme.orders WHERE customer_id IN (2, 99999, 99998)`,
      );
      expect(eventOrphans).toBeGreaterThan(0);

      const r = await f.target.verifyIntegrity('acme', { unchanged: ['products'] });
      expect(r.ok).toBe(false);
      expect(r.damaged).toEqual(['events', 'order_items', 'orders', 'products']);
      const status = Object.fromEntries(r.tables.map((t) => [t.table, t.status]));
      expect(status).toMatchObject({
        customers: 'changed',
        products: 'changed',
        orders: 'changed',
      });
      const byFk = Object.fromEntries(
        r.foreignKeys.map((x) => [x.constraint, [x.source, x.orphans]]),
      );
      expect(byFk).toEqual({
        events_customer_id_fkey: ['valid', eventOrphans],
        order_items_order_id_fkey: ['valid', 0],
        order_items_sku_fkey: ['backup_only', 1],
        orders_customer_id_fkey: ['not_valid', orderOrphans],
      });
      const problems = integrityProblems(r);
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^products: changed since backup acme-integrity-1 though the SaaS should not have changed it/,
          ),
          'orders: constraint orders_customer_id_fkey of orders is not validated',
          expect.stringMatching(
            /^order_items: constraint order_items_sku_fkey of order_items is missing/,
          ),
          `order_items: 1 row whose sku names no row of tenant_acme.products(sku) (order_items_sku_fkey, backup only)`,
          `events: ${eventOrphans} row${eventOrphans === 1 ? '' : 's'} whose customer_id names no row of tenant_acme.customers(id) (events_customer_id_fkey, valid)`,
        ]),
      );
      expect(problems.filter((p) => p.startsWith('customers:'))).toEqual([]);
      expect(summarizeIntegrity(r)).toMatch(
        /^4 damaged tables in tenant_acme \(events, order_items, orders, products\)/,
      );
    });

    it('verifies only the tables asked for, and refuses unknown ones before scanning', async () => {
      const r = await f.target.verifyIntegrity('acme', { tables: ['products', 'customers'] });
      expect(r.tables.map((t) => t.table)).toEqual(['customers', 'products']);
      expect(r.foreignKeys).toEqual([]);
      expect(r.damaged).toEqual([]);
      await expect(
        f.target.verifyIntegrity('acme', { tables: ['orders', 'invoices'] }),
      ).rejects.toThrow(
        /tables=invoices: tenant acme has no such table \(its tables: customers, events, order_items, orders, products\)/,
      );
      await expect(f.target.verifyIntegrity('acme', { unchanged: ['nope'] })).rejects.toThrow(
        /unchanged=nope/,
      );
      await expect(
        f.target.verifyIntegrity('acme', { backupId: 'globex-integrity-1' }),
      ).rejects.toThrow(/no complete backup globex-integrity-1 of tenant acme/);
      await expect(f.target.verifyIntegrity('nosuch')).rejects.toThrow(
        /tenant nosuch has no schema/,
      );
    });

    it('reports a table gone since the backup, and verifies a tenant without a backup by its keys alone', async () => {
      await f.sql(`DROP TABLE tenant_globex.events`);
      const g = await f.target.verifyIntegrity('globex');
      expect(g.damaged).toEqual(['events']);
      expect(g.tables.find((t) => t.table === 'events')).toMatchObject({
        status: 'missing',
        problems: [expect.stringMatching(/^missing from tenant_globex \(80 rows in the backup\)/)],
      });

      const i = await f.target.verifyIntegrity('initech');
      expect(i).toMatchObject({ ok: true, backupId: null });
      expect(new Set(i.tables.map((t) => t.status))).toEqual(new Set(['no_backup']));
      expect(i.tables.find((t) => t.table === 'orders')?.rows).toBe(
        await count(`SELECT count(*) AS n FROM tenant_initech.orders`),
      );
      expect(i.foreignKeys).toHaveLength(4);
      expect(summarizeIntegrity(i)).toContain('with no backup to compare');
    });
  });
}

// PGlite ships without amcheck: these run on the real server only.
for (const k of targetKinds().filter((t) => t.kind === 'postgres')) {
  (k.run ? describe : describe.skip)(`amcheck index checks (${k.title})`, () => {
    let f: TargetFixture;

    beforeAll(async () => {
      f = await openTargetFixture(k.kind);
      await f.sql(`CREATE EXTENSION amcheck`);
    });

    afterAll(async () => {
      await f?.close();
    });

    it('checks every B-tree index and names the table of a corrupt one', async () => {
      const clean = await f.target.verifyIntegrity('acme');
      expect(clean.amcheck).toEqual({ status: 'checked', indexes: clean.indexes.length });
      expect(clean.indexes.length).toBeGreaterThanOrEqual(8);
      expect(clean.indexes.every((i) => i.ok)).toBe(true);

      // An "immutable" function that changes makes the index disagree with the heap.
      await f.sql(`CREATE FUNCTION public.norm_name(text) RETURNS text IMMUTABLE LANGUAGE sql AS 'SELECT lower($1)';
        CREATE INDEX products_norm_idx ON tenant_acme.products (public.norm_name(name));`);
      await f.sql(
        `CREATE OR REPLACE FUNCTION public.norm_name(text) RETURNS text IMMUTABLE LANGUAGE sql AS 'SELECT upper($1)'`,
      );
      const r = await f.target.verifyIntegrity('acme');
      expect(r.damaged).toEqual(['products']);
      expect(r.indexes.filter((i) => !i.ok)).toEqual([
        {
          index: 'products_norm_idx',
          table: 'products',
          ok: false,
          error: expect.stringMatching(
            /lacks matching index tuple within index "products_norm_idx"/,
          ) as string,
        },
      ]);
      expect(integrityProblems(r)).toEqual([
        expect.stringMatching(/^products: index products_norm_idx is corrupt \(amcheck\)/),
      ]);
    });
  });
}
