import {
  fingerprint,
  openTargetFixture,
  targetKinds,
  type TargetFixture,
} from '../support/target-fixture';

jest.setTimeout(120_000);

for (const k of targetKinds()) {
  (k.run ? describe : describe.skip)(`restore of one tenant (${k.title})`, () => {
    let f: TargetFixture;

    beforeAll(async () => {
      f = await openTargetFixture(k.kind);
    });

    afterAll(async () => {
      await f?.close();
    });

    it('restores a damaged schema to the backup, swaps it in and lets the app write again after resume', async () => {
      const others = {
        globex: await fingerprint(f, 'tenant_globex'),
        initech: await fingerprint(f, 'tenant_initech'),
      };
      const atBackup = await fingerprint(f, 'tenant_acme');
      const backup = await f.target.backup({ tenant: 'acme', kind: 'full' });
      expect(backup.status).toBe('complete');
      expect(backup.tables.map((t) => [t.name, t.rows])).toEqual([
        ['customers', 60],
        ['events', 80],
        ['order_items', 300],
        ['orders', 150],
        ['products', 25],
      ]);

      await f.asApp([
        `UPDATE tenant_acme.customers SET name = 'overwritten' WHERE id <= 5`,
        `DELETE FROM tenant_acme.order_items WHERE order_id IN (3, 4)`,
        `INSERT INTO tenant_acme.products (sku, name, price_cents) VALUES ('SKU-999', 'Stray', 1)`,
      ]);
      expect(await fingerprint(f, 'tenant_acme')).not.toEqual(atBackup);

      const paused = await f.target.pauseWrites('acme');
      expect(paused).toMatchObject({ paused: true, readOnly: true, writable: [] });
      const chain = await f.target.chainFor('acme', { backupId: backup.id });
      await f.target.verifyReadable(chain);
      const restored = await f.target.restoreInto('acme', chain, 'tenant_acme__r1');
      expect(restored.tables.find((t) => t.name === 'order_items')?.rows).toBe(300);
      const report = await f.target.validate('tenant_acme__r1', backup);
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(await f.target.swap('acme', 'tenant_acme__r1')).toEqual({
        tenant: 'acme',
        from: 'tenant_acme',
        to: 'tenant_acme__r1',
        changed: true,
      });
      const resumed = await f.target.resumeWrites('acme');
      expect(resumed).toMatchObject({ paused: false, readOnly: false, schema: 'tenant_acme__r1' });
      expect(resumed.writable.map((w) => [w.table, w.accepts])).toEqual(
        ['customers', 'events', 'order_items', 'orders', 'products'].map((t) => [
          t,
          ['INSERT', 'UPDATE', 'DELETE'],
        ]),
      );

      expect(await fingerprint(f, 'tenant_acme__r1')).toEqual(atBackup);
      expect(await f.target.schemaOf('acme')).toBe('tenant_acme__r1');
      // Sequences and identities continue past the restored ids.
      await f.asApp([
        `INSERT INTO tenant_acme__r1.customers (email, name) VALUES ('new@acme.example', 'New')`,
        `INSERT INTO tenant_acme__r1.orders (customer_id, placed_at) VALUES (1, now())`,
      ]);
      const [ids] = await f.sql<{ c: string; o: string }>(
        `SELECT (SELECT max(id) FROM tenant_acme__r1.customers)::text AS c,
                (SELECT max(id) FROM tenant_acme__r1.orders)::text AS o`,
      );
      expect(ids).toEqual({ c: '61', o: '151' });
      // The damaged schema is kept for rollback; the other tenants are untouched.
      expect(await f.sql(`SELECT 1 FROM pg_namespace WHERE nspname = 'tenant_acme'`)).toHaveLength(
        1,
      );
      expect(await fingerprint(f, 'tenant_globex')).toEqual(others.globex);
      expect(await fingerprint(f, 'tenant_initech')).toEqual(others.initech);
    });

    it('rebuilds the structure: constraints, indexes, enum, identity and defaults', async () => {
      const shape = (schema: string) =>
        f.sql<{ def: string }>(
          `SELECT c.relname || ': ' || coalesce(pg_get_constraintdef(k.oid), '') AS def
           FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
           WHERE c.relnamespace = $1::regnamespace AND k.contype <> 'n'
           UNION ALL SELECT replace(pg_get_indexdef(i.indexrelid), $1 || '.', '') FROM pg_index i
           JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = $1::regnamespace
           UNION ALL SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
             || ' ' || a.attnotnull || ' ' || a.attidentity::text
             || ' ' || coalesce(replace(pg_get_expr(d.adbin, d.adrelid), $1 || '.', ''), '')
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
           WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r' AND a.attnum > 0
           ORDER BY 1`,
          [schema],
        );
      const live = (await shape('tenant_globex')).map((r) => r.def.replace(/tenant_globex/g, 'S'));
      const backup = await f.target.backup({ tenant: 'globex', kind: 'full' });
      const chain = await f.target.chainFor('globex', 'latest');
      await f.target.restoreInto('globex', chain, 'globex_sandbox');
      const copy = (await shape('globex_sandbox')).map((r) =>
        r.def.replace(/globex_sandbox/g, 'S'),
      );
      expect(copy).toEqual(live);
      expect((await f.target.validate('globex_sandbox', backup)).ok).toBe(true);
      // A sandbox restore gives the app role no writes, and leaves the live schema routed.
      expect(await f.target.schemaOf('globex')).toBe('tenant_globex');
      await expect(f.asApp([`DELETE FROM globex_sandbox.events`])).rejects.toThrow(
        /permission denied/,
      );
      expect((await f.target.dropSchema('globex_sandbox')).dropped).toBe(true);
    });
  });
}
