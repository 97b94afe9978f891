import type { BackupRecord } from '../../src/domain/backups/backup';
import {
  fingerprint,
  openTargetFixture,
  targetKinds,
  type TargetFixture,
} from '../support/target-fixture';

jest.setTimeout(120_000);

for (const k of targetKinds()) {
  (k.run ? describe : describe.skip)(`incremental backups (${k.title})`, () => {
    let f: TargetFixture;
    const states: { backup: BackupRecord; rows: Record<string, string> }[] = [];

    beforeAll(async () => {
      f = await openTargetFixture(k.kind);
    });

    afterAll(async () => {
      await f?.close();
    });

    async function backup(kind: 'full' | 'incremental') {
      const b = await f.target.backup({ tenant: 'globex', kind });
      states.push({ backup: b, rows: await fingerprint(f, 'tenant_globex') });
      return b;
    }

    async function restoreAndCompare(
      chainOf: BackupRecord,
      into: string,
      expected: Record<string, string>,
    ) {
      const chain = await f.target.chainFor('globex', { backupId: chainOf.id });
      await f.target.verifyReadable(chain);
      await f.target.restoreInto('globex', chain, into);
      const report = await f.target.validate(into, chain.at(-1)!);
      expect(report.problems).toEqual([]);
      expect(await fingerprint(f, into)).toEqual(expected);
      return chain;
    }

    it('records only the changes since the parent, deletions included, and restores the chain exactly', async () => {
      const full = await backup('full');
      await f.asApp([
        `INSERT INTO tenant_globex.customers (email, name) VALUES ('late@x.example', E'multi\\nline\\ttab')`,
        `UPDATE tenant_globex.orders SET status = 'shipped', note = 'moved' WHERE id IN (2, 5, 9)`,
        `DELETE FROM tenant_globex.orders WHERE id IN (10, 11)`, // cascades to 4 order_items
        `DELETE FROM tenant_globex.events WHERE kind = 'signup'`,
        `UPDATE tenant_globex.products SET tags = ARRAY['a"b', 'c,d', NULL] WHERE sku = 'SKU-004'`,
      ]);
      const inc1 = await backup('incremental');
      expect(inc1).toMatchObject({ kind: 'incremental', parentId: full.id, status: 'complete' });
      const changes = Object.fromEntries(
        inc1.tables.map((t) => [t.name, [t.storage, t.upserts, t.deletes]]),
      );
      expect(changes).toEqual({
        customers: ['changes', 1, 0],
        events: ['changes', 0, 27],
        order_items: ['changes', 0, 4],
        orders: ['changes', 3, 2],
        products: ['changes', 1, 0],
      });
      expect(inc1.bytes).toBeLessThan(full.bytes);

      await f.asApp([
        `DELETE FROM tenant_globex.order_items WHERE sku = 'SKU-007'`,
        `INSERT INTO tenant_globex.products (sku, name, price_cents) VALUES ('AAA', 'first by key', 5), ('zzz', 'last', 6)`,
        `UPDATE tenant_globex.customers SET country = NULL, name = 'back\\slash' WHERE id BETWEEN 20 AND 24`,
        `INSERT INTO tenant_globex.orders (customer_id, placed_at) SELECT 3, now() FROM generate_series(1, 5)`,
      ]);
      const inc2 = await backup('incremental');
      expect(inc2.parentId).toBe(inc1.id);

      const chain = await restoreAndCompare(inc2, 'globex_r2', states[2]!.rows);
      expect(chain.map((b) => b.id)).toEqual([full.id, inc1.id, inc2.id]);
      await restoreAndCompare(inc1, 'globex_r1', states[1]!.rows);
      await restoreAndCompare(full, 'globex_r0', states[0]!.rows);
    });

    it('chooses the newest chain at or before at=, and says when at= is before the oldest backup', async () => {
      const [full, inc1, inc2] = states.map((s) => s.backup);
      const at = (b: BackupRecord | undefined, ms = 0) => new Date(b!.snapshotAt!.getTime() + ms);
      const ids = async (t: Date) =>
        (await f.target.chainFor('globex', { at: t })).map((b) => b.id);
      expect(await ids(at(inc1, 1))).toEqual([full!.id, inc1!.id]);
      expect(await ids(at(inc2))).toEqual([full!.id, inc1!.id, inc2!.id]);
      await expect(f.target.chainFor('globex', { at: at(full, -1) })).rejects.toThrow(
        /before the oldest backup of globex/,
      );
    });

    it('stores an empty diff when nothing changed, and a full backup when the tables changed shape', async () => {
      const quiet = await backup('incremental');
      expect(quiet.tables.every((t) => t.upserts === 0 && t.deletes === 0)).toBe(true);
      await f.sql(`ALTER TABLE tenant_globex.customers ADD COLUMN tier text DEFAULT 'basic'`);
      const promoted = await backup('incremental');
      expect(promoted).toMatchObject({ kind: 'full', parentId: null });
      expect(promoted.note).toMatch(/tables changed since/);
      await f.asApp([`DELETE FROM tenant_globex.events WHERE kind = 'view'`]);
      const after = await backup('incremental');
      expect(after.parentId).toBe(promoted.id);
      await restoreAndCompare(after, 'globex_r3', states.at(-1)!.rows);
    });
  });
}
