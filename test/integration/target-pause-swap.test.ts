import { openTargetFixture, targetKinds, type TargetFixture } from '../support/target-fixture';

jest.setTimeout(120_000);

/** The app role's privileges on each table of a schema, as the catalog holds them. */
async function appGrants(f: TargetFixture, schema: string): Promise<string[]> {
  const rows = await f.sql<{ g: string }>(
    `SELECT c.relname || ':' || string_agg(a.privilege_type, ',' ORDER BY a.privilege_type) AS g
     FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
     WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r'
       AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $2)
     GROUP BY c.relname ORDER BY 1`,
    [schema, f.appRole],
  );
  return rows.map((r) => r.g);
}

for (const k of targetKinds()) {
  (k.run ? describe : describe.skip)(`write pause, swap and drop guards (${k.title})`, () => {
    let f: TargetFixture;

    beforeAll(async () => {
      f = await openTargetFixture(k.kind);
      await f.target.ensureControlSchema();
      await f.target.ensureControlSchema();
    });

    afterAll(async () => {
      await f?.close();
    });

    it('refuses writes as the app role while paused, and resume gives back exactly the grants it had', async () => {
      // The app may not update products: resume must not hand that privilege out.
      await f.sql(`REVOKE UPDATE ON tenant_initech.products FROM ${f.appRole}`);
      const before = await appGrants(f, 'tenant_initech');
      expect(before).toContain('products:DELETE,INSERT,SELECT');

      const first = await f.target.pauseWrites('initech');
      const second = await f.target.pauseWrites('initech');
      expect(second).toEqual(first);
      expect(first).toMatchObject({ paused: true, readOnly: true, writable: [] });
      expect(first.heldGrants?.products).toEqual(['DELETE', 'INSERT']);
      for (const statement of [
        `INSERT INTO tenant_initech.customers (email, name) VALUES ('x@y.z', 'x')`,
        `UPDATE tenant_initech.orders SET note = 'x' WHERE id = 1`,
        `DELETE FROM tenant_initech.events`,
      ])
        await expect(f.asApp([statement])).rejects.toThrow(/permission denied for table/);
      await f.asApp([`SELECT count(*) FROM tenant_initech.orders`]);
      const [control] = await f.sql<{ read_only: boolean }>(
        `SELECT read_only FROM tenantops_control.tenant_controls WHERE tenant_id = 'initech'`,
      );
      expect(control?.read_only).toBe(true);

      const resumed = await f.target.resumeWrites('initech');
      expect(await f.target.resumeWrites('initech')).toEqual(resumed);
      expect(resumed).toMatchObject({ paused: false, readOnly: false, heldGrants: null });
      expect(await appGrants(f, 'tenant_initech')).toEqual(before);
      expect(resumed.writable.find((w) => w.table === 'products')?.accepts).toEqual([
        'INSERT',
        'DELETE',
      ]);
      await f.asApp([`UPDATE tenant_initech.orders SET note = 'after resume' WHERE id = 1`]);
    });

    it('says when a pause does not hold because the app writes through PUBLIC', async () => {
      await f.sql(`GRANT INSERT ON tenant_initech.events TO PUBLIC`);
      await expect(f.target.pauseWrites('initech')).rejects.toThrow(
        /events \(INSERT\) still accept writes/,
      );
      await f.sql(`REVOKE INSERT ON tenant_initech.events FROM PUBLIC`);
      expect((await f.target.resumeWrites('initech')).paused).toBe(false);
    });

    it('swaps idempotently, keeps the schema it left, and swaps back', async () => {
      const backup = await f.target.backup({
        tenant: 'initech',
        kind: 'full',
        id: 'initech-pin-1',
      });
      expect(
        await f.target.backup({ tenant: 'initech', kind: 'full', id: 'initech-pin-1' }),
      ).toEqual(backup);
      const chain = await f.target.chainFor('initech', { backupId: backup.id });
      await f.target.restoreInto('initech', chain, 'initech_restored');
      await f.target.restoreInto('initech', chain, 'initech_restored');
      const report = await f.target.validate('initech_restored', backup);
      expect(await f.target.validate('initech_restored', backup)).toEqual(report);
      expect(report.ok).toBe(true);

      const swapped = await f.target.swap('initech', 'initech_restored');
      expect(swapped).toMatchObject({
        from: 'tenant_initech',
        to: 'initech_restored',
        changed: true,
      });
      expect(await f.target.swap('initech', 'initech_restored')).toEqual({
        ...swapped,
        changed: false,
      });
      const [routing] = await f.sql<{ schema_name: string; previous_schema: string }>(
        `SELECT schema_name, previous_schema FROM tenantops_control.tenant_routing WHERE tenant_id = 'initech'`,
      );
      expect(routing).toEqual({
        schema_name: 'initech_restored',
        previous_schema: 'tenant_initech',
      });

      await expect(f.target.dropSchema('initech_restored')).rejects.toThrow(
        /live schema of tenant initech/,
      );
      await expect(f.target.restoreInto('initech', chain, 'initech_restored')).rejects.toThrow(
        /live schema of tenant initech/,
      );
      expect(await f.target.swap('initech', swapped.from)).toMatchObject({
        from: 'initech_restored',
        to: 'tenant_initech',
        changed: true,
      });
      expect(await f.target.dropSchema('initech_restored')).toEqual({ dropped: true });
      expect(await f.target.dropSchema('initech_restored')).toEqual({ dropped: false });
    });

    it('finishes a backup that a killed worker left running, under the same id', async () => {
      await f.catalog.begin({
        id: 'initech-killed-1',
        tenantId: 'initech',
        kind: 'full',
        parentId: null,
        host: 'worker-gone',
        storage: f.storage.location,
        startedAt: new Date(),
      });
      expect(await f.catalog.get('initech', 'initech-killed-1')).toMatchObject({
        status: 'running',
      });
      const done = await f.target.backup({
        tenant: 'initech',
        kind: 'full',
        id: 'initech-killed-1',
      });
      expect(done).toMatchObject({ status: 'complete', error: null });
      expect(done.host).not.toBe('worker-gone');
      await f.target.verifyReadable([done]);
    });

    it('never drops a live schema, one it did not build, or a system schema', async () => {
      await expect(f.target.dropSchema('tenant_acme')).rejects.toThrow(
        /live schema of tenant acme/,
      );
      await f.sql(`CREATE SCHEMA someone_elses`);
      await expect(f.target.dropSchema('someone_elses')).rejects.toThrow(
        /neither built by tenantops nor left by a swap/,
      );
      await expect(f.target.dropSchema('public')).rejects.toThrow(/system schema/);
      await expect(f.target.dropSchema('tenantops_control')).rejects.toThrow(/control schema/);
      await expect(f.target.swap('acme', 'no_such_schema')).rejects.toThrow(/no such schema/);
      await expect(f.target.swap('acme', 'tenant_globex')).rejects.toThrow(
        'cannot point acme at tenant_globex: it is the live schema of tenant globex',
      );
      await expect(f.target.swap('acme', 'someone_elses')).rejects.toThrow(
        /not built for acme by tenantops/,
      );
      const chain = await f.target.chainFor('initech', 'latest');
      await f.target.restoreInto('initech', chain, 'initech_for_acme');
      await expect(f.target.swap('acme', 'initech_for_acme')).rejects.toThrow(
        /not built for acme by tenantops/,
      );
      expect(await f.target.dropSchema('initech_for_acme')).toEqual({ dropped: true });
      expect(
        await f.sql(`SELECT 1 FROM pg_namespace WHERE nspname = 'someone_elses'`),
      ).toHaveLength(1);
      expect(await f.target.schemaOf('acme')).toBe('tenant_acme');
    });
  });
}
