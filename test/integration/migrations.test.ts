import { mkdtemp, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  assertMigrated,
  loadMigrations,
  migrate,
  SchemaTooNewError,
} from '../../src/adapters/postgres/migrator';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { storageUnderTest } from '../support/stack';

jest.setTimeout(60_000);

let t: TestDatabase;

beforeAll(async () => {
  t = await openTestDatabase();
});

afterAll(async () => {
  await t?.close();
});

describe(`migrations (${storageUnderTest()} storage)`, () => {
  it('refuses to run web/worker on an unmigrated database', async () => {
    await expect(assertMigrated(t.db)).rejects.toThrow(/run the release process/);
  });

  it('applies every migration once even when two processes race, and records them in the ledger', async () => {
    const other = t.another();
    const [a, b] = await Promise.all([migrate(t.db), migrate(other)]);
    const all = loadMigrations().map((m) => m.version);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(all);
    expect(await migrate(t.db)).toEqual([]);
    await expect(assertMigrated(t.db)).resolves.toBeUndefined();
    const rows = await t.db.owner(
      async (c) =>
        (
          await c.query<{ version: number }>(
            'SELECT version FROM tenantops_migrations ORDER BY version',
          )
        ).rows,
    );
    expect(rows.map((r) => r.version)).toEqual(all);
  });

  it('refuses a database newer than the code', async () => {
    const all = loadMigrations();
    const older = all.slice(0, -1);
    await expect(migrate(t.db, older)).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(assertMigrated(t.db, older)).rejects.toThrow(
      `only knows ${older.at(-1)?.version ?? 0}`,
    );
  });

  it('refuses an applied migration whose file was edited (append-only)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tenantops-mig-'));
    try {
      await cp(path.join(__dirname, '../../src/adapters/postgres/migrations'), dir, {
        recursive: true,
      });
      await writeFile(path.join(dir, '001_init.sql'), '-- edited\n');
      await expect(migrate(t.db, loadMigrations(dir))).rejects.toThrow(
        /changed after it was applied/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
